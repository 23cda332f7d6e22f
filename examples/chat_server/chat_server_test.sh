#!/usr/bin/env bash
exec python3 examples/chat_server/chat_server_test.py "$@"
