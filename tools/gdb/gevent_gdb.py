# Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
"""gdb commands for gevent-cpp programs: their greenlets, live or in a core dump.

They need gevent-cpp's types in the debug info: build with -c dbg or
--copt=-g (the thread-local hub pointers are found by name even where their
own library has none).

    (gdb) source tools/gdb/gevent_gdb.py
    (gdb) gevent greenlets        # every hub's greenlets: state, wait, spawner
    (gdb) gevent bt 7             # where greenlet 7 is suspended
    (gdb) gevent bt worker        # ... or the one named worker

The hub of each thread is the thread-local gevent::internal::tls_hub; its live
greenlets are a list from Hub::live_. A suspended greenlet's stack is found
from its saved Boost.Context context (x86-64: rbp at +0x30, the return address
at +0x38) by following frame pointers, as RawGreenlet::suspended_stack does.
"""

import struct

import gdb

_STATE_NAMES = {0: "not started yet", 1: "scheduled", 2: "running", 3: "dead"}


def _read_u64(address):
    data = gdb.selected_inferior().read_memory(address, 8)
    return struct.unpack("<Q", bytes(data))[0]


def _pointer_in(value):
    """The raw pointer inside a std::unique_ptr (whatever libstdc++'s layout)."""
    if value.type.strip_typedefs().code == gdb.TYPE_CODE_PTR:
        return value
    for field in value.type.strip_typedefs().fields():
        if field.artificial or field.name is None:
            continue
        try:
            found = _pointer_in(value[field])
        except gdb.error:
            continue
        if found is not None:
            return found
    return None


def _std_string(value):
    try:
        length = int(value["_M_string_length"])
        return value["_M_dataplus"]["_M_p"].string(length=length)
    except gdb.error:
        return str(value)


def _greenlet_name(raw):
    name_ptr = _pointer_in(raw["name_"])
    if raw["is_root_"]:
        return "main"
    if name_ptr is None or int(name_ptr) == 0:
        return "greenlet-%d" % int(raw["id_"])
    return "'%s'" % _std_string(name_ptr.dereference())


def _task_name(task):
    name_ptr = _pointer_in(task["name_"])
    if name_ptr is None or int(name_ptr) == 0:
        return "greenlet-%d" % int(task["id"])
    return "'%s'" % _std_string(name_ptr.dereference())


def _wait_of(record):
    waiter = record["parked"]
    if int(waiter) == 0:
        return "suspended"
    waiter = waiter.dereference()
    if bool(waiter["woken"]):
        return "ready to run"
    what = waiter["what"]
    text = "waits in %s" % (what.string() if int(what) else "a wait")
    if int(waiter["fd"]) >= 0:
        text += " on fd %d" % int(waiter["fd"])
    return text


class _Greenlet(object):
    def __init__(self, thread, raw, record, task):
        self.thread = thread
        self.raw = raw
        self.record = record
        self.task = task

    @property
    def id(self):
        if self.task is not None:
            return int(self.task["id"])
        return int(self.raw["id_"])

    @property
    def name(self):
        if self.task is not None:
            return _task_name(self.task)
        return _greenlet_name(self.raw)

    def describe(self, current_id):
        if self.id == current_id:
            state = "running (the thread's current greenlet: use bt)"
        elif self.task is not None and (int(self.task["state"]) == 1 or
                                        self.raw is None):
            state = "not started yet"
        else:
            state = _wait_of(self.record)
        text = "greenlet %s (id %d): %s" % (self.name, self.id, state)
        if self.task is not None:
            text += ", spawned by id %d" % int(self.task["spawner_id"])
        return text

    def frames(self, limit=64):
        """Return addresses where it is suspended, innermost first."""
        if self.raw is None:
            return []  # not started: no greenlet yet
        context = int(self.raw["context_"])
        if context == 0:
            return []
        pcs = [_read_u64(context + 0x38)]
        low = context
        if bool(self.raw["is_root_"]):
            high = low + (64 << 20)
        else:
            high = int(self.raw["stack_"]["top"])
        fp = _read_u64(context + 0x30)
        while len(pcs) < limit and low <= fp and fp + 16 <= high and fp % 8 == 0:
            ret = _read_u64(fp + 8)
            if ret == 0:
                break
            pcs.append(ret)
            following = _read_u64(fp)
            if following <= fp:
                break
            fp = following
        return pcs


def _thread_local(name, pointee):
    """A thread-local pointer of the selected thread. Its library may have no
    debug info (only the program's types): then it is read by its symbol."""
    try:
        return gdb.parse_and_eval(name)
    except gdb.error:
        return gdb.parse_and_eval("*(%s**)&'%s'" % (pointee, name))


def _hubs():
    """(thread, hub value, current greenlet id) for each thread with a hub."""
    selected = gdb.selected_thread()
    # A thread stopped in libc has C as its language, which cannot parse
    # "gevent::Hub".
    language = gdb.parameter("language")
    gdb.execute("set language c++", to_string=True)
    found = []
    try:
        for thread in gdb.selected_inferior().threads():
            thread.switch()
            try:
                hub = _thread_local("gevent::internal::tls_hub",
                                    "gevent::Hub")
                switch = _thread_local("gevent::internal::tls_switch",
                                       "gevent::internal::SwitchState")
            except gdb.error:
                continue
            if int(hub) == 0:
                continue
            current = int(switch.dereference()["current"].dereference()["id_"])
            found.append((thread, hub.dereference(), current))
    finally:
        if selected is not None:
            selected.switch()
        gdb.execute("set language %s" % language, to_string=True)
    return found


def _greenlets_of(thread, hub):
    root = hub["hub_greenlet_"]["parent_"].dereference()
    out = [_Greenlet(thread, root, hub["root_record_"], None)]
    task = hub["live_"]
    seen = 0
    while int(task) != 0 and seen < 1000000:
        t = task.dereference()
        # A task has its greenlet only from its start to its end.
        raw = t["raw"].dereference() if int(t["raw"]) != 0 else None
        out.append(_Greenlet(thread, raw, t["record"], t))
        task = t["live_next"]
        seen += 1
    return out


def _describe_pc(pc, exact):
    lookup = pc if exact else pc - 1
    text = gdb.execute("info symbol 0x%x" % lookup, to_string=True).strip()
    if text.startswith("No symbol"):
        text = "??"
    else:
        text = text.split(" in section ")[0]
    sal = gdb.find_pc_line(lookup)
    if sal.symtab is not None:
        text += " at %s:%d" % (sal.symtab.filename, sal.line)
    return "0x%x  %s" % (pc, text)


class GeventCommand(gdb.Command):
    """gevent-cpp: 'gevent greenlets', 'gevent bt ID'."""

    def __init__(self):
        super(GeventCommand, self).__init__("gevent", gdb.COMMAND_USER,
                                            gdb.COMPLETE_NONE, True)


class GreenletsCommand(gdb.Command):
    """Lists every hub's greenlets: state, what each waits on, its spawner."""

    def __init__(self):
        super(GreenletsCommand, self).__init__("gevent greenlets",
                                               gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        hubs = _hubs()
        if not hubs:
            print("no gevent-cpp hub in this process")
            return
        for thread, hub, current in hubs:
            greenlets = _greenlets_of(thread, hub)
            print("thread %d (LWP %d): %d greenlets" %
                  (thread.num, thread.ptid[1], len(greenlets)))
            for g in greenlets:
                print("  " + g.describe(current))


class BacktraceCommand(gdb.Command):
    """Shows where a greenlet is suspended: gevent bt ID or gevent bt NAME."""

    def __init__(self):
        super(BacktraceCommand, self).__init__("gevent bt", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        arg = arg.strip().strip("'\"")
        if not arg:
            raise gdb.GdbError("usage: gevent bt ID|NAME (see gevent greenlets)")
        wanted = int(arg) if arg.isdigit() else None
        for thread, hub, current in _hubs():
            for g in _greenlets_of(thread, hub):
                if wanted is not None and g.id != wanted:
                    continue
                if wanted is None and g.name.strip("'") != arg:
                    continue
                wanted = g.id
                if g.id == current:
                    raise gdb.GdbError(
                        "greenlet %d is running on thread %d: use "
                        "'thread %d' and 'bt'" % (wanted, thread.num,
                                                  thread.num))
                print(g.describe(current))
                for i, pc in enumerate(g.frames()):
                    print("  #%-2d %s" % (i, _describe_pc(pc, False)))
                return
        raise gdb.GdbError("no live greenlet %s" % arg)


GeventCommand()
GreenletsCommand()
BacktraceCommand()
