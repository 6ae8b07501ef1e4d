"""Pure rules of the 親子綁定 flow, shared by the kiosk and the registry."""
