"""Every stack output has a reader: the seller (README or docs/ name it), the sandbox's
deploy, or the program itself next time (outputs read back through the previous run)."""

from __future__ import annotations

from pathlib import Path

from infra.schema_guard import DEPLOYED_ATTRIBUTES_OUTPUT
from infra.stack import ROUTE_KEYS_OUTPUT
from tests.infra.harness import ProgramRun, run_program

ROOT = Path(__file__).resolve().parents[2]
READ_BACK = {ROUTE_KEYS_OUTPUT, DEPLOYED_ATTRIBUTES_OUTPUT}


def _readers() -> str:
    documents = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    documents.append(ROOT / "sandbox" / "deploy" / "deploy.py")
    return "\n".join(path.read_text(encoding="utf-8") for path in documents)


def test_every_output_of_every_feature_has_a_reader(dev_run: ProgramRun) -> None:
    with_features = run_program({
        "upstreamUrl": "https://api.seller.example",
        "quotaMail": {"sourceArn": "arn:aws:ses:ap-northeast-1:123456789012:identity/"
                                   "ops@seller.example"},
    })  # fmt: skip
    outputs = set(dev_run.exports) | set(with_features.exports)
    text = _readers()
    unread = sorted(name for name in outputs - READ_BACK if f"`{name}`" not in text
                    and f'"{name}"' not in text)  # fmt: skip
    assert not unread, f"outputs nobody reads: {unread}"
