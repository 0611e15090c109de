"""Bank teller terminal (柜面业务终端)."""
