"""The 親子綁定 kiosk: what runs on the school terminal, minus the screens."""
