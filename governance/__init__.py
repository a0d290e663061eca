"""Dataset pairs, roles, the audit that ties the engines together, exports and the CLI."""
