"""What every partner simulator shares: the ASGI server, the fault kit, the picture host."""
