"""One test target per backend, so that no backend rots.

gevent_cc_test(name = "hub_test", ...) makes hub_test_epoll (and one target per
other backend in BACKENDS), each linking that backend's library, plus a test_suite
named hub_test that runs them all. A plain `bazel test //...` runs every one.
"""

load("@rules_cc//cc:defs.bzl", "cc_binary", "cc_test")

# Backend name -> the library that defines gevent::MakeBackend().
BACKENDS = {
    "epoll": "//backends/epoll",
    "libevent": "//backends/libevent",
    "uring": "//backends/uring",
}

def gevent_cc_test(name, deps = [], tags = [], **kwargs):
    """A cc_test per backend, plus a test_suite `name` over them.

    Args:
      name: the test_suite's name; each test is name_<backend>.
      deps: the tests' deps; the backend library is added to each.
      tags: tags for every test, plus backend_<backend>.
      **kwargs: passed to cc_test.
    """
    tests = []
    for backend, library in BACKENDS.items():
        test_name = "{}_{}".format(name, backend)
        cc_test(
            name = test_name,
            deps = deps + [library],
            tags = tags + ["backend_" + backend],
            **kwargs
        )
        tests.append(":" + test_name)
    native.test_suite(name = name, tests = tests, tags = tags)

def gevent_cc_binary(name, deps = [], **kwargs):
    """A program per backend: name_epoll, name_libevent, name_uring.

    Args:
      name: the prefix of each binary's name.
      deps: the binaries' deps (//:gevent_without_backend, not //:gevent); the
        backend library is added to each.
      **kwargs: passed to cc_binary.
    """
    for backend, library in BACKENDS.items():
        cc_binary(
            name = "{}_{}".format(name, backend),
            deps = deps + [library],
            **kwargs
        )

def gevent_cc_benchmark(name, deps = [], **kwargs):
    """A benchmark binary per backend: name_epoll, ...

    Args:
      name: the prefix of each binary's name.
      deps: the binaries' deps; the backend library is added to each.
      **kwargs: passed to cc_binary.
    """
    gevent_cc_binary(name = name, deps = deps, **kwargs)
