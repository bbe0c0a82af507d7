#!/usr/bin/env python3
"""Maintenance tool: derives api/mpi.api from the MPI Forum's machine-readable API.

The build never runs this. It was run once to create api/mpi.api, which is the source of
truth from then on and is edited by hand (a function becomes implemented, a kind is
refined). Run it again only to start over, e.g. for a new version of the standard, and
review the diff: hand edits made since are lost.

    import_apis.py --apis apis.json --functions mpi-abi-functions.txt \\
                   [--implemented-from build/libweft.so] --output api/mpi.api

apis.json is the Forum's pympistandard data (one entry per procedure, each parameter with
its Forum kind, direction, length, constness). It predates MPI-4.1, so the functions added
since then, the ABI functions and the handle <-> int conversions are written out below
(SUPPLEMENT), from the standard's text. The C type of each parameter is derived from its
Forum kind; polymorphic kinds (POLY*) get int/MPI_Aint in the plain binding and
MPI_Count/MPI_Aint in the _c one. The weft kind (see api/README.md) comes from the Forum
kind plus rules on the function and parameter names.
"""

import argparse
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import gen_bindings as gb  # noqa: E402  (the parser and data model of the description)

CHAPTERS = [
    ("p2p", "Point-to-point communication"),
    ("partitioned", "Partitioned communication"),
    ("datatype", "Datatypes"),
    ("coll", "Collective communication"),
    ("group", "Groups"),
    ("comm", "Communicators and caching"),
    ("topo", "Process topologies and neighborhood collectives"),
    ("env", "Environment: versions, memory, errors, timers"),
    ("info", "Info objects"),
    ("init", "Initialization and the World Model"),
    ("session", "Sessions"),
    ("dynamic", "Dynamic processes"),
    ("rma", "One-sided communication"),
    ("external", "External interfaces"),
    ("io", "I/O"),
    ("tools", "Tool support"),
    ("lang", "Handle conversion"),
    ("abi", "ABI information"),
]

COLLECTIVES = ("Barrier Bcast Gather Gatherv Scatter Scatterv Allgather Allgatherv Alltoall "
               "Alltoallv Alltoallw Reduce Allreduce Reduce_scatter Reduce_scatter_block Scan "
               "Exscan").split()
RMA_CALLS = ("Put Get Accumulate Get_accumulate Fetch_and_op Compare_and_swap Rput Rget "
             "Raccumulate Rget_accumulate").split()
DYNAMIC = ("Comm_spawn Comm_spawn_multiple Comm_get_parent Open_port Close_port Comm_accept "
           "Comm_connect Comm_disconnect Comm_join Publish_name Unpublish_name "
           "Lookup_name").split()
INIT = "Init Init_thread Finalize Initialized Finalized Abort Query_thread Is_thread_main".split()
ENV = ("Get_version Get_library_version Get_processor_name Get_hw_resource_info Alloc_mem "
       "Free_mem Wtime Wtick Error_class Error_string").split()


def base_name(short):
    """The operation a call performs: Ibcast, Bcast_init, Bcast_c -> Bcast."""
    s = re.sub(r"(_init|_c)$", "", short)
    if s.startswith("I") and s[1:2].islower():
        candidate = s[1].upper() + s[2:]
        if candidate in COLLECTIVES or candidate.startswith("Neighbor_"):
            return candidate
    return s


def chapter_of(name):
    """The chapter of a function, by its name (first rule that matches)."""
    short = name[len("MPI_"):]
    rules = [
        ("abi", short.startswith("Abi_")),
        ("lang", short.endswith(("_toint", "_fromint"))),
        ("tools", short.startswith("T_") or short == "Pcontrol"),
        ("io", short.startswith("File_") or short == "Register_datarep"),
        ("env", "errhandler" in short.lower() or short.startswith(("Add_error", "Remove_error"))
         or short in ENV),
        ("p2p", "_buffer" in short or short.startswith("Buffer_")),
        ("rma", short.startswith("Win_") or short in RMA_CALLS),
        ("partitioned", short in ("Psend_init", "Precv_init", "Pready", "Pready_range",
                                  "Pready_list", "Parrived")),
        ("session", short.startswith("Session_") or short == "Group_from_session_pset"),
        ("dynamic", short in DYNAMIC),
        ("init", short in INIT),
        ("topo", short.startswith(("Cart", "Graph", "Dist_graph", "Dims_create", "Topo_test",
                                   "Neighbor_", "Ineighbor_"))),
        ("coll", base_name(short) in COLLECTIVES
         or short in ("Reduce_local", "Op_create", "Op_free", "Op_commutative")),
        ("group", short.startswith("Group_")),
        ("comm", short.startswith(("Comm_", "Intercomm_", "Attr_", "Keyval_"))),
        ("info", short.startswith("Info_")),
        ("datatype", short.startswith(("Type_", "Pack", "Unpack", "Get_address",
                                       "Get_elements", "Aint_"))),
        ("external", short.startswith(("Grequest_", "Status_set_cancelled",
                                       "Status_set_elements"))),
        ("p2p", True),
    ]
    return next(tag for tag, hit in rules if hit)


# ---- C types from Forum kinds ----------------------------------------------------------------
HANDLE_TYPES = {
    "COMMUNICATOR": "MPI_Comm", "GROUP": "MPI_Group", "DATATYPE": "MPI_Datatype",
    "OPERATION": "MPI_Op", "INFO": "MPI_Info", "ERRHANDLER": "MPI_Errhandler",
    "REQUEST": "MPI_Request", "MESSAGE": "MPI_Message", "WINDOW": "MPI_Win", "FILE": "MPI_File",
    "SESSION": "MPI_Session", "TOOLS_ENUM": "MPI_T_enum", "CVAR": "MPI_T_cvar_handle",
    "PVAR": "MPI_T_pvar_handle", "PVAR_SESSION": "MPI_T_pvar_session",
    "EVENT_REGISTRATION": "MPI_T_event_registration",
    "EVENT_INSTANCE": "MPI_T_event_instance", "CALLBACK_SAFETY": "MPI_T_cb_safety",
    "SOURCE_ORDERING": "MPI_T_source_order", "STATUS": "MPI_Status",
}
VOID_POINTERS = {"BUFFER", "C_BUFFER", "C_BUFFER2", "EXTRA_STATE", "EXTRA_STATE2",
                 "ATTRIBUTE_VAL", "ATTRIBUTE_VAL_10", "TOOL_MPI_OBJ"}
AINT = {"ALLOC_MEM_NUM_BYTES", "DISPLACEMENT", "DISPLACEMENT_NNI", "LOCATION_SMALL",
        "RMA_DISPLACEMENT_NNI", "WINDOW_SIZE", "WIN_ATTACH_SIZE"}
COUNT = {"XFER_NUM_ELEM", "XFER_NUM_ELEM_NNI", "NUM_BYTES", "TOOLS_TICK_COUNT",
         "GENERIC_DTYPE_COUNT"}
POLY = {  # Forum kind -> (plain C type, large-count C type)
    **{k: ("int", "MPI_Count") for k in (
        "POLYXFER_NUM_ELEM", "POLYXFER_NUM_ELEM_NNI", "POLYDTYPE_NUM_ELEM",
        "POLYDTYPE_NUM_ELEM_NNI", "POLYDTYPE_NUM_ELEM_PI", "POLYNUM_BYTES", "POLYNUM_BYTES_NNI",
        "POLYNUM_PARAM_VALUES", "POLYDISPLACEMENT_COUNT", "XFER_NUM_ELEM_SMALL")},
    "POLYDISPLACEMENT": ("int", "MPI_Aint"), "POLYRMA_DISPLACEMENT": ("int", "MPI_Aint"),
    **{k: ("MPI_Aint", "MPI_Count") for k in (
        "POLYDISPLACEMENT_AINT_COUNT", "POLYDTYPE_STRIDE_BYTES", "POLYLOCATION",
        "POLYDTYPE_PACK_SIZE", "POLYDISPOFFSET")},
}
EVENT_FUNCTIONS = {"EVENT_CB_FUNCTION": "MPI_T_event_cb_function",
                   "EVENT_FREE_CB_FUNCTION": "MPI_T_event_free_cb_function",
                   "EVENT_DROP_CB_FUNCTION": "MPI_T_event_dropped_cb_function"}


def c_type(p, large):
    kind, direction, const = p["kind"], p["param_direction"], p["constant"] in (True, "true")
    array = p["length"] is not None and p["pointer"] is not True
    if kind == "VARARGS":
        return "..."
    if kind in EVENT_FUNCTIONS:  # the standard passes these as function types, not pointers
        return EVENT_FUNCTIONS[kind]
    if kind in ("FUNCTION", "POLYFUNCTION"):
        return p["func_type"] + ("_c" if large and kind == "POLYFUNCTION" else "") + " *"
    if kind in VOID_POINTERS:
        return ("const void *" if const else "void *")
    if kind == "STRING":
        if direction != "in":
            return "char *"
        return "const char []" if array and p["pointer"] is False else "const char *"
    if kind == "STRING_ARRAY":
        return "char *[]"
    if kind == "STRING_2DARRAY":
        return "char **[]"
    if kind == "ARGUMENT_LIST":
        return "char ***" if p["pointer"] is not False else "char *[]"
    base = (HANDLE_TYPES.get(kind) or ("MPI_Aint" if kind in AINT else None)
            or ("MPI_Offset" if kind == "OFFSET" else None)
            or ("MPI_Count" if kind in COUNT else None)
            or (POLY[kind][large] if kind in POLY else "int"))
    if const:
        base = "const " + base
    if kind == "STATUS":
        return base + " *"  # the standard spells arrays of statuses as pointers too
    if array:
        return base + (" [][3]" if isinstance(p["length"], list) else " []")
    if p["pointer"] is True or (direction != "in" and p["pointer"] is not False):
        return base + " *"
    return base


# ---- weft kinds from Forum kinds -------------------------------------------------------------
SIMPLE_KINDS = {
    "COMMUNICATOR": "comm", "GROUP": "group", "DATATYPE": "datatype", "OPERATION": "op",
    "INFO": "info", "ERRHANDLER": "errhandler", "REQUEST": "request", "MESSAGE": "message",
    "WINDOW": "win", "FILE": "file", "SESSION": "session", "TOOLS_ENUM": "t_enum",
    "CVAR": "t_cvar", "PVAR": "t_pvar", "PVAR_SESSION": "t_pvar_session",
    "EVENT_REGISTRATION": "t_event_registration", "EVENT_INSTANCE": "t_event_instance",
    "C_BUFFER": "memory", "C_BUFFER2": "memory", "EXTRA_STATE": "state", "EXTRA_STATE2": "state",
    "ATTRIBUTE_VAL": "attr_value", "ATTRIBUTE_VAL_10": "attr_value", "KEYVAL": "keyval",
    "ERROR_CODE": "errcode", "ERROR_CLASS": "errclass", "LOGICAL": "flag",
    "LOGICAL_OPTIONAL": "flag", "STRING_LENGTH": "strlen", "INFO_VALUE_LENGTH": "strlen",
    "OFFSET": "offset", "RMA_DISPLACEMENT_NNI": "target_disp",
    "POLYRMA_DISPLACEMENT": "disp_unit", "WINDOW_SIZE": "win_size", "WIN_ATTACH_SIZE": "bytes",
    "ALLOC_MEM_NUM_BYTES": "bytes", "POLYNUM_BYTES": "bytes", "POLYNUM_BYTES_NNI": "bytes",
    "POLYDTYPE_PACK_SIZE": "bytes", "POLYLOCATION": "bytes", "NUM_DIMS": "ndims",
    "COORDINATE": "coord", "DEGREE": "degree", "COMM_SIZE": "nprocs",
    "COMM_SIZE_PI": "nprocs(positive)", "ARRAY_LENGTH": "length", "ARRAY_LENGTH_NNI": "length",
    "ARRAY_LENGTH_PI": "length(positive)", "TOOLENUM_SIZE": "length", "INDEX": "index",
    "KEY_INDEX": "index", "PARTITION": "index", "CAT_INDEX": "t_index", "CVAR_INDEX": "t_index",
    "CVAR_INDEX_SPECIAL": "t_index", "PVAR_INDEX": "t_index", "EVENT_INDEX": "t_index",
    "SOURCE_INDEX": "t_index", "TOOLENUM_INDEX": "t_index", "STATUS": "status",
    "ACCESS_MODE": "amode", "ASSERT": "assert", "COLOR": "color", "STRING_ARRAY": "argv(null)",
    "STRING_2DARRAY": "argvs(null)", "ARGUMENT_LIST": "argv(null)",
    "ARGUMENT_COUNT": "argc", "TOOL_MPI_OBJ": "t_object", "VARARGS": "varargs",
    "FUNCTION": "callback", "POLYFUNCTION": "callback", "EVENT_CB_FUNCTION": "callback",
    "EVENT_FREE_CB_FUNCTION": "callback(null)", "EVENT_DROP_CB_FUNCTION": "callback(null)",
    "WEIGHT": "weight(unweighted)", "PROCESS_GRID_SIZE": "dim(positive)",
    "POLYDTYPE_NUM_ELEM_PI": "count(positive)", "TOOLS_NUM_ELEM_SMALL": "count",
    "DIMENSION": "dim", "POLYNUM_PARAM_VALUES": "length", "TYPECLASS_SIZE": "bytes",
    "THREAD_LEVEL": "enum(thread_level)", "ORDER": "enum(order)",
    "DISTRIB_ENUM": "enum(distribution)", "LOCK_TYPE": "enum(lock_type)",
    "UPDATE_MODE": "enum(whence)", "SPLIT_TYPE": "enum(split_type)",
    "COMBINER": "enum(combiner)", "TYPECLASS": "enum(typeclass)",
    "TOPOLOGY_TYPE": "enum(topology)", "COMM_COMPARISON": "enum(comparison)",
    "GROUP_COMPARISON": "enum(comparison)", "BIND_TYPE": "enum(t_bind)",
    "VARIABLE_SCOPE": "enum(t_scope)", "TOOL_VAR_VERBOSITY": "enum(t_verbosity)",
    "PVAR_CLASS": "enum(t_pvar_class)", "CALLBACK_SAFETY": "enum(t_cb_safety)",
    "SOURCE_ORDERING": "enum(t_source_order)",
}
COUNT_KINDS = {"POLYXFER_NUM_ELEM", "POLYXFER_NUM_ELEM_NNI", "XFER_NUM_ELEM",
               "XFER_NUM_ELEM_NNI", "XFER_NUM_ELEM_SMALL", "POLYDTYPE_NUM_ELEM",
               "POLYDTYPE_NUM_ELEM_NNI", "NUM_BYTES"}
DISP_KINDS = {"POLYDISPLACEMENT", "POLYDISPLACEMENT_COUNT", "POLYDISPLACEMENT_AINT_COUNT",
              "DISPLACEMENT", "DISPLACEMENT_NNI", "POLYDTYPE_STRIDE_BYTES", "POLYDISPOFFSET"}
RECEIVES = {"Recv", "Irecv", "Recv_init", "Probe", "Iprobe", "Mprobe", "Improbe", "Sendrecv",
            "Isendrecv", "Sendrecv_replace", "Isendrecv_replace"}
RAW_MEMORY_CALLS = {"Buffer_attach", "Free_mem", "Win_create", "Win_attach", "Win_detach",
                    "F_sync_reg"}
INFO_OBJECT_CALLS = {"Info_set", "Info_get", "Info_delete", "Info_dup", "Info_free",
                     "Info_get_nkeys", "Info_get_nthkey", "Info_get_string",
                     "Info_get_valuelen"}
STRING_CAPACITY = {"key": "MPI_MAX_INFO_KEY", "port_name": "MPI_MAX_PORT_NAME",
                   "datarep": "MPI_MAX_DATAREP_STRING", "name": "name_len",
                   "desc": "desc_len", "pset_name": "pset_len", "value": "buflen"}


def weft_kind(fname, p):
    """The weft kind of one Forum parameter, with modifiers and array length."""
    short, kind, name, direction = fname[4:], p["kind"], p["name"], p["param_direction"]
    base = base_name(short)
    text = SIMPLE_KINDS.get(kind)
    if kind in COUNT_KINDS:
        text = ("disp" if name in ("stride", "lb", "extent", "true_lb", "true_extent")
                else "bytes" if name == "size" else "count")
    elif kind in DISP_KINDS or kind == "LOCATION_SMALL":
        text = "address" if name in ("address", "base", "addr1", "addr2") else "disp"
    elif kind == "BUFFER":
        text = "memory" if short in RAW_MEMORY_CALLS else "buffer"
        in_place = ("recvbuf" if base in ("Scatter", "Scatterv") else
                    "sendbuf" if base in COLLECTIVES and base != "Bcast" else None)
        if name == in_place:
            text = "buffer(in_place)"
    elif kind == "RANK":
        text = ("root" if name == "root" else "range" if name == "ranges" else
                "rank(any_source,proc_null)" if name == "source" and short in RECEIVES else
                "rank(proc_null)" if name in ("dest", "source") else "rank")
    elif kind == "RANK_NNI":
        text = "rank(proc_null)" if chapter_of(fname) == "rma" else "rank"
    elif kind == "TAG":
        text = ("tag(any_tag)" if (short in RECEIVES and name in ("tag", "recvtag")) else "tag")
    elif kind == "STRING":
        text = "string"
        if short.startswith("Info_") and name == "key":
            text = "info_key"
        elif short == "Info_set" and name == "value":
            text = "info_value"
    elif kind in ("GENERIC_DTYPE_INT", "GENERIC_DTYPE_COUNT", "KEY", "MATH", "FILE_DESCRIPTOR",
                  "VERSION", "UPDATE_NUMBER", "TOOL_VAR_VALUE", "TOOLS_TICK_COUNT",
                  "PROFILE_LEVEL", "DTYPE_DISTRIBUTION", "DROPPED_COUNT"):
        text = "value"
    if text == "offset" and (short.startswith("File_seek") or short == "File_set_view"):
        text = "offset(relative)"  # seek offsets may be negative; MPI_DISPLACEMENT_CURRENT
    if name == "array_of_commands":
        text = "string"  # an array of commands, not an argument vector
    if name == "array_of_starts":
        text = "index"  # a position in the full array, not a count
    if name == "ranks1" and short == "Group_translate_ranks":
        text = "rank(proc_null)"  # translated to MPI_PROC_NULL
    if name == "value" and short == "Info_get_string":
        text = "string(null)"  # with *buflen == 0 the call only reports the length
    if name == "position":
        text = "bytes"  # the offset in a pack buffer, whatever the Forum kind
    if name == "nkeys":
        text = "length"
    if name == "partitions":
        text = "count(positive)"
    if name == "disp" and short == "Cart_shift":
        text = "value"
    if text is None:
        raise SystemExit(f"import_apis: no weft kind for {fname}.{name} ({kind})")
    text = add_modifiers(short, base, name, direction, text)
    return text + array_length(short, base, p)


def add_modifiers(short, base, name, direction, text):
    mods = []
    if text == "info" and direction == "in" and short not in INFO_OBJECT_CALLS:
        mods.append("null")  # MPI_INFO_NULL means "no hints" everywhere but on Info objects
    if text == "request" and re.match(r"(Wait|Test|Request_get_status)", short):
        mods.append("null")
    if text == "comm" and name == "peer_comm":
        mods.append("null")  # significant only at the local leader
    if text == "status" and direction == "out":
        mods.append("null")  # MPI_STATUS_IGNORE / MPI_STATUSES_IGNORE
    if text == "errcode" and direction == "out" and base.startswith("Comm_spawn"):
        mods.append("null")  # MPI_ERRCODES_IGNORE
    if text == "callback" and re.search(r"(copy|delete)_fn|copy_attr_fn|delete_attr_fn|"
                                        r"conversion_fn", name):
        mods.append("null")  # the *_NULL_COPY_FN / *_NULL_DELETE_FN constants are NULL
    if text == "argc" and short in ("Init", "Init_thread"):
        mods.append("null")
    if short.startswith("T_") and short.endswith("get_info") and direction == "out":
        mods.append("null")  # MPI_T *_get_info calls ignore NULL outputs
    kind, _, given = text.rstrip(")").partition("(")
    mods = [m for m in given.split(",") if m] + [m for m in mods if m not in given.split(",")]
    return f"{kind}({','.join(mods)})" if mods else kind


VECTOR_SEND = {"sendcounts", "sdispls", "sendtypes", "displs"}


def array_length(short, base, p):
    length, name = p["length"], p["name"]
    if p["kind"] == "STRING" and p["param_direction"] == "in":
        return ""  # NUL-terminated
    if name == "array_of_commands":
        return "[count]"
    if length is None or p["kind"] in ("STRING_ARRAY", "ARGUMENT_LIST"):
        if p["kind"] == "STRING" and p["param_direction"] == "out" and name in STRING_CAPACITY:
            return f"[{STRING_CAPACITY[name]}]"
        return ""
    if isinstance(length, list):
        return f"[{length[0]}]"
    if length not in ("*", ""):
        return f"[{length}]"
    if short == "Comm_spawn" and name == "array_of_errcodes":
        return "[maxprocs]"
    if base.startswith("Neighbor_"):  # sized by the topology's neighbours
        return "[outdegree]" if name in VECTOR_SEND else "[indegree]"
    if base in COLLECTIVES:
        return "[group_size]"
    if short in ("Waitall", "Testall"):
        return "[count]"
    if short in ("Waitsome", "Testsome"):
        return "[incount]"
    if name == "sourceweights":
        return "[indegree]" if short == "Dist_graph_create_adjacent" else "[maxindegree]"
    if name == "destweights":
        return "[outdegree]" if short == "Dist_graph_create_adjacent" else "[maxoutdegree]"
    return "[*]"


# ---- functions the Forum data lacks (MPI-4.1 and MPI-5.0 additions) ----------------------
SUPPLEMENT = """
chapter supplement -
MPI_Abi_get_fortran_booleans -> int missing
    in     logical_size       bytes(positive)              int
    out    logical_true       memory                       void *
    out    logical_false      memory                       void *
    out    is_set             flag                         int *
MPI_Abi_get_fortran_info -> int missing
    out    info               info                         MPI_Info *
MPI_Abi_get_info -> int missing
    out    info               info                         MPI_Info *
MPI_Abi_get_version -> int missing
    out    abi_major          value                        int *
    out    abi_minor          value                        int *
MPI_Abi_set_fortran_booleans -> int missing
    in     logical_size       bytes(positive)              int
    in     logical_true       memory                       void *
    in     logical_false      memory                       void *
MPI_Abi_set_fortran_info -> int missing
    in     info               info                         MPI_Info
MPI_Buffer_flush -> int missing
MPI_Buffer_iflush -> int missing
    out    request            request                      MPI_Request *
MPI_Comm_attach_buffer -> int missing large=missing
    in     comm               comm                         MPI_Comm
    in     buffer             memory                       void *
    in     size               bytes                        int | MPI_Count
MPI_Comm_detach_buffer -> int missing large=missing
    in     comm               comm                         MPI_Comm
    out    buffer_addr        memory                       void *
    out    size               bytes                        int * | MPI_Count *
MPI_Comm_flush_buffer -> int missing
    in     comm               comm                         MPI_Comm
MPI_Comm_iflush_buffer -> int missing
    in     comm               comm                         MPI_Comm
    out    request            request                      MPI_Request *
MPI_Get_hw_resource_info -> int missing
    out    hw_info            info                         MPI_Info *
MPI_Remove_error_class -> int missing
    in     errorclass         errclass                     int
MPI_Remove_error_code -> int missing
    in     errorcode          errcode                      int
MPI_Remove_error_string -> int missing
    in     errorcode          errcode                      int
MPI_Request_get_status_all -> int missing
    in     count              length                       int
    in     array_of_requests  request(null)[count]         MPI_Request []
    out    flag               flag                         int *
    out    array_of_statuses  status(null)[count]          MPI_Status *
MPI_Request_get_status_any -> int missing
    in     count              length                       int
    in     array_of_requests  request(null)[count]         MPI_Request []
    out    indx               index                        int *
    out    flag               flag                         int *
    out    status             status(null)                 MPI_Status *
MPI_Request_get_status_some -> int missing
    in     incount            length                       int
    in     array_of_requests  request(null)[incount]       MPI_Request []
    out    outcount           length                       int *
    out    array_of_indices   index[incount]               int []
    out    array_of_statuses  status(null)[incount]        MPI_Status *
MPI_Session_attach_buffer -> int missing large=missing
    in     session            session                      MPI_Session
    in     buffer             memory                       void *
    in     size               bytes                        int | MPI_Count
MPI_Session_detach_buffer -> int missing large=missing
    in     session            session                      MPI_Session
    out    buffer_addr        memory                       void *
    out    size               bytes                        int * | MPI_Count *
MPI_Session_flush_buffer -> int missing
    in     session            session                      MPI_Session
MPI_Session_iflush_buffer -> int missing
    in     session            session                      MPI_Session
    out    request            request                      MPI_Request *
MPI_Status_get_error -> int missing
    in     status             status                       MPI_Status *
    out    error              errcode                      int *
MPI_Status_get_source -> int missing
    in     status             status                       MPI_Status *
    out    source             rank                         int *
MPI_Status_get_tag -> int missing
    in     status             status                       MPI_Status *
    out    tag                tag                          int *
MPI_Status_set_error -> int missing
    inout  status             status                       MPI_Status *
    in     error              errcode                      int
MPI_Status_set_source -> int missing
    inout  status             status                       MPI_Status *
    in     source             value                        int
MPI_Status_set_tag -> int missing
    inout  status             status                       MPI_Status *
    in     tag                value                        int
MPI_Type_get_value_index -> int missing
    in     value_type         datatype                     MPI_Datatype
    in     index_type         datatype                     MPI_Datatype
    out    pair_type          datatype                     MPI_Datatype *
"""
# MPI_<Prefix>_toint / _fromint: prefix, C handle type, kind, parameter name.
CONVERTIBLE = [("Comm", "MPI_Comm", "comm"), ("Errhandler", "MPI_Errhandler", "errhandler"),
               ("File", "MPI_File", "file"), ("Group", "MPI_Group", "group"),
               ("Info", "MPI_Info", "info"), ("Message", "MPI_Message", "message"),
               ("Op", "MPI_Op", "op"), ("Request", "MPI_Request", "request"),
               ("Session", "MPI_Session", "session"), ("Type", "MPI_Datatype", "datatype"),
               ("Win", "MPI_Win", "win")]


def supplement():
    text = SUPPLEMENT
    for prefix, ctype, kind in CONVERTIBLE:
        text += (f"MPI_{prefix}_toint -> int missing noerror\n"
                 f"    in     {kind:<18} {kind + '(null)':<28} {ctype}\n"
                 f"MPI_{prefix}_fromint -> {ctype} missing noerror\n"
                 f"    in     {kind:<18} {'handle_int':<28} int\n")
    return gb.parse_lines(text.splitlines(True), "SUPPLEMENT").functions


# ---- assembling the description --------------------------------------------------------------
DEPRECATED = {"Attr_delete": "MPI-2.0", "Attr_get": "MPI-2.0", "Attr_put": "MPI-2.0",
              "Keyval_create": "MPI-2.0", "Keyval_free": "MPI-2.0", "Info_get": "MPI-4.0",
              "Info_get_valuelen": "MPI-4.0", "Get_elements_x": "MPI-4.1",
              "Status_set_elements_x": "MPI-4.1", "Type_get_extent_x": "MPI-4.1",
              "Type_get_true_extent_x": "MPI-4.1", "Type_size_x": "MPI-4.1"}
RETURN_TYPES = {"ERROR_CODE": "int", "LOCATION_SMALL": "MPI_Aint", "DISPLACEMENT": "MPI_Aint",
                "TICK_RESOLUTION": "double", "WALL_TIME": "double"}


# The C bindings spell a few parameters differently from the language-neutral ones: 'indx'
# (not the C library's index()) and 'session' for the LaTeX 'pe_session'.
C_NAMES = {"index": "indx", "pe_session": "session"}


def from_forum(entry, has_large):
    name = entry["name"]
    fn = gb.Function(name, RETURN_TYPES[entry["return_kind"]], "", "missing",
                     "missing" if has_large else "",
                     noerror=entry["return_kind"] != "ERROR_CODE")
    for p in entry["parameters"]:
        if "c_parameter" in p["suppress"]:
            continue  # ierror and other Fortran-only arguments
        kind, mods, length = gb.parse_kind(weft_kind(name, p), f"{name}.{p['name']}")
        plain = "-" if p["large_only"] else c_type(p, 0)  # large_only: only in the _c binding
        fn.params.append(gb.Param(p["param_direction"], C_NAMES.get(p["name"], p["name"]), kind,
                                  mods, length, plain, c_type(p, 1)))
    return fn


def build(apis_path, functions_path, implemented):
    with open(functions_path, encoding="utf-8") as stream:
        wanted = [w for w in (line.strip() for line in stream) if w and not w.startswith("#")]
    with open(apis_path, encoding="utf-8") as stream:
        forum = {e["name"]: e for e in json.load(stream).values()}
    extra = {f.name: f for f in supplement()}
    functions = []
    for name in sorted({n[:-2] if n.endswith("_c") and n[:-2] in wanted else n
                        for n in wanted}):
        has_large = name + "_c" in wanted
        fn = extra[name] if name in extra else from_forum(forum[name], has_large)
        if bool(fn.large_status) != has_large:
            raise SystemExit(f"import_apis: {name}: _c variant disagrees with the list")
        fn.chapter = chapter_of(name)
        fn.deprecated = DEPRECATED.get(name[4:], "")
        fn.status = "implemented" if name in implemented else "missing"
        if has_large:
            fn.large_status = "implemented" if name + "_c" in implemented else "missing"
        functions.append(fn)
    count = sum(1 + bool(f.large_status) for f in functions)
    if count != len(wanted):
        raise SystemExit(f"import_apis: described {count} functions, the list has {len(wanted)}")
    return gb.Description(CHAPTERS, functions)


def format_description(desc):
    out = ["# weft's description of the C API: every function of the MPI-5.0 standard ABI.",
           "# Format and kinds: api/README.md. Read by api/gen_bindings.py at build time.", ""]
    for tag, title, functions in desc.by_chapter():
        out += ["", f"chapter {tag:<12} {title}", ""]
        for f in functions:
            attrs = [f.status] + ([f"large={f.large_status}"] if f.large_status else [])
            attrs += ([f"deprecated={f.deprecated}"] if f.deprecated else [])
            attrs += ["noerror"] if f.noerror else []
            out.append(f"{f.name} -> {f.ret}  " + "  ".join(attrs))
            for p in f.params:
                kind = p.kind + (f"({','.join(p.mods)})" if p.mods else "")
                kind += f"[{p.length}]" if p.length else ""
                ctype = p.ctype if p.ctype == p.ctype_large else f"{p.ctype} | {p.ctype_large}"
                out.append(f"    {p.direction:<6} {p.name:<24} {kind:<30} {ctype}".rstrip())
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apis", required=True, help="the Forum's apis.json")
    parser.add_argument("--functions", required=True, help="mpi-abi-functions.txt")
    parser.add_argument("--implemented-from", metavar="LIB",
                        help="mark as implemented what LIB exports (default: nothing)")
    parser.add_argument("--output", required=True, help="where to write mpi.api")
    args = parser.parse_args()
    implemented = set()
    if args.implemented_from:
        nm = subprocess.run(["nm", "-D", "--defined-only", args.implemented_from],
                            check=True, capture_output=True, text=True).stdout
        implemented = {line.split()[-1] for line in nm.splitlines()
                       if line.split()[-1].startswith("MPI_")}
    desc = build(args.apis, args.functions, implemented)
    with open(args.output, "w", encoding="utf-8") as stream:
        stream.write(format_description(desc))
    # Reading the result back proves the writer and the parser agree.
    gb.parse_description(args.output)


if __name__ == "__main__":
    main()
