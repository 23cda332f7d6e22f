"""gevent_cc_fuzzer: a libFuzzer target and its corpus as a test."""

load("@rules_cc//cc:defs.bzl", "cc_binary", "cc_library", "cc_test")
load("//bazel:copts.bzl", "GEVENT_DEFAULT_COPTS")

def gevent_cc_fuzzer(name, srcs, deps, corpus):
    """Defines `name` (the fuzzer: build it with --config=fuzz) and `name`_test.

    The test links the same target with a replay main (//tools/fuzz) and runs
    every file in the directory `corpus` (of this package), plus mutations of
    them, in any build: the fuzzer's findings stay fixed once their input is
    in the corpus.
    """
    cc_library(
        name = name + "_target",
        testonly = True,
        srcs = srcs,
        copts = GEVENT_DEFAULT_COPTS,
        deps = deps,
        alwayslink = True,
    )

    # libFuzzer's main comes from -fsanitize=fuzzer, which only --config=fuzz
    # passes: a plain build of //... must not try to link it.
    cc_binary(
        name = name,
        testonly = True,
        tags = ["manual"],
        deps = [":" + name + "_target"],
    )
    cc_test(
        name = name + "_test",
        size = "medium",
        args = [native.package_name() + "/" + corpus],
        data = native.glob([corpus + "/*"]),
        deps = [
            ":" + name + "_target",
            "//tools/fuzz:replay_main",
        ],
    )
