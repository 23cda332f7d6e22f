#!/usr/bin/env bash
exec python3 examples/http_server/http_server_test.py
