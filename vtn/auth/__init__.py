"""Authentication and authorisation: clients, tokens, scopes and who is calling."""
