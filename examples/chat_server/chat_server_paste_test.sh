#!/usr/bin/env bash
exec python3 examples/chat_server/chat_server_paste_test.py "$@"
