#!/usr/bin/env bash
# Checks formatting: clang-format (Google style, .clang-format) on C++ and buildifier
# on BUILD/.bzl files. `tools/lint.sh --fix` rewrites the files instead.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
fix=0
[[ "${1:-}" == "--fix" ]] && fix=1

mapfile -t cpp < <(git ls-files --cached --others --exclude-standard '*.cc' '*.h')
mapfile -t bzl < <(git ls-files --cached --others --exclude-standard 'WORKSPACE' '*BUILD.bazel' '*.bzl' 'BUILD')
# rules_shell does not exist for Bazel 4.2.3, so sh_test stays native.
warnings=-native-sh-test,-native-sh-binary

if ((fix)); then
  clang-format -i "${cpp[@]}"
  buildifier -lint=fix -warnings="$warnings" "${bzl[@]}"
  exit 0
fi
status=0
clang-format --dry-run --Werror "${cpp[@]}" || status=1
buildifier -mode=check -lint=warn -warnings="$warnings" "${bzl[@]}" || status=1
if ((status)); then
  echo "lint: run tools/lint.sh --fix" >&2
fi
exit $status
