"""The Textual application: app, screens, bindings, command palette and the CLI entry point."""
