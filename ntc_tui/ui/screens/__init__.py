"""The dashboard's screens: live traffic, import, history, and the help overlay."""
