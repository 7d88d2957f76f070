"""A TCP proxy on 127.0.0.1 that delays every chunk by half a round-trip time each way,
and optionally holds each direction to a bandwidth.

Loopback has no round-trip time and moves a page of mail in a millisecond; a Lambda
function reaching a mail provider pays a round trip on every command (about 1 ms within a
region, tens of ms across the internet) and receives a page at the speed of the link.
Benchmarks put this proxy between a client and a local server to measure what each costs
each side. Chunks keep their order; with ``mbps`` each direction is one link that sends
one chunk at a time at that rate (no TCP slow start or loss is modelled).

    with DelayProxy(("127.0.0.1", server_port), rtt_s=0.005, mbps=100) as proxy:
        connect to ("127.0.0.1", proxy.port)
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from types import TracebackType

# Read at most this much at a time: a bandwidth-limited link then delivers a page of mail in
# steps of about one TLS record, as a real one delivers it packet by packet.
_CHUNK_BYTES = 16_384


class DelayProxy:
    def __init__(self, target: tuple[str, int], rtt_s: float, mbps: float | None = None) -> None:
        self.target = target
        self.one_way_s = rtt_s / 2
        self.seconds_per_byte = 8 / (mbps * 1e6) if mbps else 0.0
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None

    def __enter__(self) -> DelayProxy:
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._accept, "127.0.0.1", 0), self._loop
        ).result(timeout=10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        async def close() -> None:
            assert self._server is not None
            self._server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        await asyncio.gather(
            self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True
        )

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Copy ``reader`` to ``writer``, each chunk ``one_way_s`` after it was read, or after
        the link has finished sending it when a bandwidth is set."""
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        link_free = 0.0  # when the link has sent everything queued so far

        async def deliver() -> None:
            while True:
                due, data = await queue.get()
                if not data:
                    break
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                writer.write(data)
                await writer.drain()
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            with contextlib.suppress(OSError):
                writer.close()

        delivering = asyncio.ensure_future(deliver())
        try:
            while data := await reader.read(_CHUNK_BYTES):
                sent = max(time.monotonic(), link_free) + len(data) * self.seconds_per_byte
                link_free = sent if self.seconds_per_byte else 0.0
                queue.put_nowait((sent + self.one_way_s, data))
        except OSError:
            pass
        queue.put_nowait((time.monotonic() + self.one_way_s, b""))
        await delivering
