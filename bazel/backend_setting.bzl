"""The build-time backend choice: --//backends:backend=epoll|libevent|uring."""

VALID_BACKENDS = ["epoll", "libevent", "uring"]

def _backend_setting_impl(ctx):
    value = ctx.build_setting_value
    if value not in VALID_BACKENDS:
        fail(("--//backends:backend={} is not a gevent-cpp backend; valid values: " +
              "{} (consumers: --@gevent_cpp//backends:backend=...)").format(
            value,
            ", ".join(VALID_BACKENDS),
        ))
    return []

backend_setting = rule(
    implementation = _backend_setting_impl,
    build_setting = config.string(flag = True),
    doc = "Which event backend //:gevent links; fails on an unknown value.",
)
