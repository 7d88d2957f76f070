"""Deploys the real Pulumi program (``infra/``) into a local ministack, offline.

``ministack`` starts and stops the emulator; ``mocks`` holds the deploying
``pulumi.runtime.Mocks``; ``deploy`` runs the program under it and returns the outputs.
"""
