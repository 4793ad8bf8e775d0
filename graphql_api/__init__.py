"""Basalt's composition layer: the Starlette app, GraphQL view, auth backend, CLI and settings."""

__version__ = "0.1.0"
