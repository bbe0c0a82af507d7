// Communicator entry points. The queries (size, rank, group, name, test_inter) use the
// validation generated from api/mpi.api; the constructors still validate by hand.
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <string>

#include "api/api.h"
#include "api/api_checks.h"
#include "api/intercomm.h"
#include "mpi.h"
#include "mpi/comm.h"
#include "mpi/comm_create.h"
#include "mpi/group.h"
#include "mpi/info.h"
#include "mpi/p2p_operations.h"
#include "mpi/spawn.h"
#include "mpi/state.h"

using weft::Comm;
using weft::EngineGuard;
using weft::Status;
using weft::api::finish;
namespace validate = weft::api::validate;


namespace {

// Gives a new duplicate the attributes the copy callbacks produce; when one fails, the
// duplicate is freed again and the call fails.
Status adopt_copied_attributes(const char* call, Comm* parent, Comm** created) {
  weft::AttributeList attributes;
  Status s = weft::copy_attributes(call, parent, &attributes);
  if (!s.ok()) {
    weft::release_context((*created)->context());
    (*created)->release();
    *created = nullptr;
    return s;
  }
  weft::adopt_attributes(*created, std::move(attributes));
  return Status();
}

int publish(const char* call, Comm* parent, Status s, Comm* created, MPI_Comm* newcomm) {
  if (s.ok()) *newcomm = created != nullptr ? created->handle() : MPI_COMM_NULL;
  return finish(call, parent, s);
}

}  // namespace

extern "C" int PMPI_Comm_size(MPI_Comm comm, int* size) {
  validate::Comm_sizeObjects o;
  Status s = validate::Comm_size(comm, size, &o);
  if (s.ok()) *size = o.comm->size();
  return finish("MPI_Comm_size", o.comm, s);
}

extern "C" int PMPI_Comm_rank(MPI_Comm comm, int* rank) {
  validate::Comm_rankObjects o;
  Status s = validate::Comm_rank(comm, rank, &o);
  if (s.ok()) *rank = o.comm->rank();
  return finish("MPI_Comm_rank", o.comm, s);
}

extern "C" int PMPI_Comm_dup(MPI_Comm comm, MPI_Comm* newcomm) {
  if (weft::api::inter::is_inter(comm)) return weft::api::inter::comm_dup(comm, newcomm);
  const char* call = "MPI_Comm_dup";
  Comm* c = nullptr;
  Comm* created = nullptr;
  Status s = weft::api::enter_comm(call, comm, &c);
  if (s.ok() && newcomm == nullptr) s = weft::api::null_argument(call, "newcomm");
  if (s.ok()) {
    EngineGuard guard;
    s = weft::comm_dup(call, c, &created);
  }
  if (s.ok()) s = adopt_copied_attributes(call, c, &created);
  return publish(call, c, s, created, newcomm);
}

extern "C" int PMPI_Comm_split(MPI_Comm comm, int color, int key, MPI_Comm* newcomm) {
  if (weft::api::inter::is_inter(comm)) {
    return weft::api::inter::comm_split(comm, color, key, newcomm);
  }
  const char* call = "MPI_Comm_split";
  Comm* c = nullptr;
  Comm* created = nullptr;
  Status s = weft::api::enter_comm(call, comm, &c);
  if (s.ok() && newcomm == nullptr) s = weft::api::null_argument(call, "newcomm");
  if (s.ok() && color < 0 && color != MPI_UNDEFINED) {
    s = weft::error(MPI_ERR_ARG, "%s: argument color=%d is negative (and not MPI_UNDEFINED)", call, color);
  }
  if (s.ok()) {
    EngineGuard guard;
    s = weft::comm_split(call, c, color, key, &created);
  }
  return publish(call, c, s, created, newcomm);
}

// Open MPI's OMPI_COMM_TYPE_HOST, which serving code (TensorRT-LLM's Python layer) passes
// as the literal 9 to get the processes of its host. Not a standard constant, so it stays
// out of mpi.h; on weft it is the same split as MPI_COMM_TYPE_SHARED (one communicator per
// host). No standard split type has the value 9.
constexpr int kOpenMpiCommTypeHost = 9;
static_assert(kOpenMpiCommTypeHost != MPI_COMM_TYPE_SHARED &&
              kOpenMpiCommTypeHost != MPI_COMM_TYPE_HW_UNGUIDED &&
              kOpenMpiCommTypeHost != MPI_COMM_TYPE_HW_GUIDED &&
              kOpenMpiCommTypeHost != MPI_COMM_TYPE_RESOURCE_GUIDED && kOpenMpiCommTypeHost != MPI_UNDEFINED);

extern "C" int PMPI_Comm_split_type(MPI_Comm comm, int split_type, int key, MPI_Info info,
                                    MPI_Comm* newcomm) {
  const char* call = "MPI_Comm_split_type";
  if (weft::api::inter::is_inter(comm)) return weft::api::inter::intracomm_only(call, comm);
  Comm* c = nullptr;
  Comm* created = nullptr;
  weft::Info* hints = nullptr;
  Status s = weft::api::enter_comm(call, comm, &c);
  if (s.ok()) s = weft::resolve_hints(call, info, &hints);
  if (s.ok() && newcomm == nullptr) s = weft::api::null_argument(call, "newcomm");
  if (s.ok()) {
    std::string resource_type;
    const bool guided = hints != nullptr && hints->get("mpi_hw_resource_type", resource_type);
    std::string chosen;
    EngineGuard guard;
    if (split_type == MPI_UNDEFINED) {
      s = weft::comm_split(call, c, MPI_UNDEFINED, key, &created);
    } else if (split_type == MPI_COMM_TYPE_SHARED || split_type == kOpenMpiCommTypeHost) {
      s = weft::comm_split_shared(call, c, key, &created);
    } else if (split_type == MPI_COMM_TYPE_HW_GUIDED || split_type == MPI_COMM_TYPE_RESOURCE_GUIDED) {
      // Without the key (or with a type weft cannot place the process in) the process gets
      // MPI_COMM_NULL; it still takes part in the split.
      static const std::string kNoType = "";
      s = weft::comm_split_hardware(call, c, guided ? &resource_type : &kNoType, key, &created, &chosen);
    } else if (split_type == MPI_COMM_TYPE_HW_UNGUIDED) {
      s = weft::comm_split_hardware(call, c, nullptr, key, &created, &chosen);
      // The standard returns the level it chose in the info argument.
      if (s.ok() && created != nullptr && hints != nullptr && !hints->is_predefined()) {
        hints->set("mpi_hw_resource_type", chosen);
      }
    } else {
      s = weft::error(MPI_ERR_ARG, "%s: argument split_type=%d is not a split type", call, split_type);
    }
  }
  return publish(call, c, s, created, newcomm);
}

extern "C" int PMPI_Comm_create(MPI_Comm comm, MPI_Group group, MPI_Comm* newcomm) {
  if (weft::api::inter::is_inter(comm)) return weft::api::inter::comm_create(comm, group, newcomm);
  const char* call = "MPI_Comm_create";
  Comm* c = nullptr;
  Comm* created = nullptr;
  Status s = weft::api::enter_comm(call, comm, &c);
  if (s.ok() && newcomm == nullptr) s = weft::api::null_argument(call, "newcomm");
  weft::Group* g = s.ok() ? weft::group_from_handle(group) : nullptr;
  if (s.ok() && g == nullptr) {
    s = weft::error(MPI_ERR_GROUP, "%s: argument group=%p is not a valid group", call, static_cast<void*>(group));
  }
  if (s.ok()) {
    EngineGuard guard;
    s = weft::comm_create(call, c, g, &created);
  }
  return publish(call, c, s, created, newcomm);
}

extern "C" int PMPI_Comm_create_group(MPI_Comm comm, MPI_Group group, int tag, MPI_Comm* newcomm) {
  const char* call = "MPI_Comm_create_group";
  if (weft::api::inter::is_inter(comm)) return weft::api::inter::intracomm_only(call, comm);
  Comm* c = nullptr;
  Comm* created = nullptr;
  Status s = weft::api::enter_comm(call, comm, &c);
  if (s.ok() && newcomm == nullptr) s = weft::api::null_argument(call, "newcomm");
  if (s.ok() && tag < 0) s = weft::error(MPI_ERR_TAG, "%s: argument tag=%d is negative", call, tag);
  weft::Group* g = s.ok() ? weft::group_from_handle(group) : nullptr;
  if (s.ok() && g == nullptr) {
    s = weft::error(MPI_ERR_GROUP, "%s: argument group=%p is not a valid group", call, static_cast<void*>(group));
  }
  if (s.ok()) {
    if (g->my_rank() == MPI_UNDEFINED) {
      *newcomm = MPI_COMM_NULL;  // non-members take no part and get MPI_COMM_NULL
      return MPI_SUCCESS;
    }
    EngineGuard guard;
    s = weft::comm_create_group(call, c, g, tag, &created);
  }
  return publish(call, c, s, created, newcomm);
}

extern "C" int PMPI_Comm_free(MPI_Comm* comm) {
  const char* call = "MPI_Comm_free";
  if (auto s = weft::api::check_initialized(call); !s.ok()) return finish(call, nullptr, s);
  if (comm == nullptr) return finish(call, nullptr, weft::api::null_argument(call, "comm"));
  Comm* c = nullptr;
  if (auto s = weft::check_comm(call, *comm, &c); !s.ok()) return finish(call, nullptr, s);
  if (*comm == MPI_COMM_WORLD || *comm == MPI_COMM_SELF) {
    return finish(call, c, weft::error(MPI_ERR_COMM, "%s: %s cannot be freed", call, c->name().c_str()));
  }
  Status s = weft::delete_attributes(call, c);
  if (!s.ok()) return finish(call, c, s);
  weft::release_context(c->context());
  if (c == weft::parent_comm()) {
    weft::forget_parent(c);  // MPI_Comm_get_parent returns MPI_COMM_NULL from now on
  } else {
    c->release();
  }
  *comm = MPI_COMM_NULL;
  return MPI_SUCCESS;
}

extern "C" int PMPI_Comm_compare(MPI_Comm comm1, MPI_Comm comm2, int* result) {
  if (weft::api::inter::is_inter(comm1) || weft::api::inter::is_inter(comm2)) {
    return weft::api::inter::comm_compare(comm1, comm2, result);
  }
  const char* call = "MPI_Comm_compare";
  Comm* a = nullptr;
  Comm* b = nullptr;
  Status s = weft::api::enter_comm(call, comm1, &a);
  if (s.ok()) s = weft::api::enter_comm(call, comm2, &b);
  if (s.ok() && result == nullptr) s = weft::api::null_argument(call, "result");
  if (!s.ok()) return finish(call, a, s);
  if (a == b) {
    *result = MPI_IDENT;
  } else {
    int groups = weft::group_compare(*a->group(), *b->group());
    *result = groups == MPI_IDENT ? MPI_CONGRUENT : groups;
  }
  return MPI_SUCCESS;
}

extern "C" int PMPI_Comm_set_name(MPI_Comm comm, const char* comm_name) {
  validate::Comm_set_nameObjects o;
  Status s = validate::Comm_set_name(comm, comm_name, &o);
  if (s.ok()) o.comm->set_name(std::string(comm_name).substr(0, MPI_MAX_OBJECT_NAME - 1));
  return finish("MPI_Comm_set_name", o.comm, s);
}

extern "C" int PMPI_Comm_get_name(MPI_Comm comm, char* comm_name, int* resultlen) {
  const char* call = "MPI_Comm_get_name";
  Comm* c = nullptr;
  Status s = [&]() -> Status {
    // MPI 4.1: MPI_COMM_NULL may be asked for its name, which is "MPI_COMM_NULL".
    if (comm == MPI_COMM_NULL) {
      WEFT_TRY(weft::api::check_initialized(call));
    } else {
      WEFT_TRY(weft::api::enter_comm(call, comm, &c));
    }
    if (comm_name == nullptr) return weft::api::null_argument(call, "comm_name");
    if (resultlen == nullptr) return weft::api::null_argument(call, "resultlen");
    const std::string name = c != nullptr ? c->name() : std::string("MPI_COMM_NULL");
    std::memcpy(comm_name, name.c_str(), name.size() + 1);
    *resultlen = static_cast<int>(name.size());
    return Status();
  }();
  return finish(call, c, s);
}

extern "C" int PMPI_Comm_group(MPI_Comm comm, MPI_Group* group) {
  validate::Comm_groupObjects o;
  Status s = validate::Comm_group(comm, group, &o);
  if (s.ok()) {
    o.comm->group()->retain();
    *group = o.comm->group()->handle();
  }
  return finish("MPI_Comm_group", o.comm, s);
}

extern "C" int PMPI_Comm_test_inter(MPI_Comm comm, int* flag) {
  validate::Comm_test_interObjects o;
  Status s = validate::Comm_test_inter(comm, flag, &o);
  if (s.ok()) *flag = o.comm->is_inter() ? 1 : 0;
  return finish("MPI_Comm_test_inter", o.comm, s);
}

namespace {
// Values of the predefined attributes; MPI returns pointers to them.
int g_tag_ub = weft::p2p::kTagUpperBound;
int g_host = MPI_PROC_NULL;
int g_io = MPI_ANY_SOURCE;
int g_wtime_is_global = 0;
int g_appnum = 0;
int g_universe_size = 0;
int g_lastusedcode = MPI_ERR_LASTCODE;
}  // namespace

namespace {

Status get_attr(const char* call, MPI_Comm comm, int keyval, void* attribute_val, int* flag, Comm** c) {
  WEFT_TRY(weft::api::enter_comm(call, comm, c));
  if (attribute_val == nullptr) return weft::api::null_argument(call, "attribute_val");
  if (flag == nullptr) return weft::api::null_argument(call, "flag");
  void* value = nullptr;
  *flag = 1;
  switch (keyval) {
    case MPI_TAG_UB: value = &g_tag_ub; break;
    case MPI_HOST: value = &g_host; break;
    case MPI_IO: value = &g_io; break;
    case MPI_WTIME_IS_GLOBAL: value = &g_wtime_is_global; break;
    case MPI_LASTUSEDCODE:
      g_lastusedcode = weft::last_used_error_code();
      value = &g_lastusedcode;
      break;
    case MPI_APPNUM:
      g_appnum = weft::appnum();
      value = &g_appnum;
      break;
    case MPI_UNIVERSE_SIZE:
      // The slots the user gave the launcher, else this host's cores (at least the job):
      // it informs how many processes fit, it never caps spawning.
      g_universe_size = weft::universe_size();
      if (g_universe_size <= 0) {
        g_universe_size = std::max(static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN)), weft::world_size());
      }
      value = &g_universe_size;
      break;
    default: {
      bool found = false;
      WEFT_TRY(weft::get_attribute(call, *c, keyval, &value, &found));
      *flag = found;
    }
  }
  if (*flag) std::memcpy(attribute_val, &value, sizeof value);
  return Status();
}

Status set_attr(const char* call, MPI_Comm comm, int keyval, void* attribute_val, Comm** c) {
  WEFT_TRY(weft::api::enter_comm(call, comm, c));
  return weft::set_attribute(call, *c, keyval, attribute_val);
}

Status delete_attr(const char* call, MPI_Comm comm, int keyval, Comm** c) {
  WEFT_TRY(weft::api::enter_comm(call, comm, c));
  return weft::delete_attribute(call, *c, keyval);
}

Status create_keyval(const char* call, MPI_Comm_copy_attr_function* copy_fn,
                     MPI_Comm_delete_attr_function* delete_fn, int* keyval, void* extra_state) {
  WEFT_TRY(weft::api::check_initialized(call));
  if (keyval == nullptr) return weft::api::null_argument(call, "keyval");
  *keyval = weft::create_keyval(weft::Keyval{copy_fn, delete_fn, extra_state});
  return Status();
}

Status free_keyval(const char* call, int* keyval) {
  WEFT_TRY(weft::api::check_initialized(call));
  if (keyval == nullptr) return weft::api::null_argument(call, "keyval");
  if (!weft::free_keyval(*keyval)) {
    return weft::error(MPI_ERR_KEYVAL, "%s: argument keyval=%d is not a communicator attribute key", call, *keyval);
  }
  *keyval = MPI_KEYVAL_INVALID;
  return Status();
}

}  // namespace

extern "C" int PMPI_Comm_get_attr(MPI_Comm comm, int keyval, void* attribute_val, int* flag) {
  Comm* c = nullptr;
  Status s = get_attr("MPI_Comm_get_attr", comm, keyval, attribute_val, flag, &c);
  return finish("MPI_Comm_get_attr", c, s);
}

extern "C" int PMPI_Comm_set_attr(MPI_Comm comm, int keyval, void* attribute_val) {
  Comm* c = nullptr;
  Status s = set_attr("MPI_Comm_set_attr", comm, keyval, attribute_val, &c);
  return finish("MPI_Comm_set_attr", c, s);
}

extern "C" int PMPI_Comm_delete_attr(MPI_Comm comm, int keyval) {
  Comm* c = nullptr;
  Status s = delete_attr("MPI_Comm_delete_attr", comm, keyval, &c);
  return finish("MPI_Comm_delete_attr", c, s);
}

extern "C" int PMPI_Comm_create_keyval(MPI_Comm_copy_attr_function* copy_fn,
                                       MPI_Comm_delete_attr_function* delete_fn, int* keyval,
                                       void* extra_state) {
  const char* call = "MPI_Comm_create_keyval";
  return finish(call, nullptr, create_keyval(call, copy_fn, delete_fn, keyval, extra_state));
}

extern "C" int PMPI_Comm_free_keyval(int* keyval) {
  const char* call = "MPI_Comm_free_keyval";
  return finish(call, nullptr, free_keyval(call, keyval));
}

// The MPI-1 names of the attribute calls, still in the standard ABI: the same keys and
// values as the MPI_Comm_*_attr calls (MPI_Copy_function and MPI_Delete_function have the
// communicator callbacks' signatures).
extern "C" int PMPI_Attr_get(MPI_Comm comm, int keyval, void* attribute_val, int* flag) {
  Comm* c = nullptr;
  Status s = get_attr("MPI_Attr_get", comm, keyval, attribute_val, flag, &c);
  return finish("MPI_Attr_get", c, s);
}

extern "C" int PMPI_Attr_put(MPI_Comm comm, int keyval, void* attribute_val) {
  Comm* c = nullptr;
  Status s = set_attr("MPI_Attr_put", comm, keyval, attribute_val, &c);
  return finish("MPI_Attr_put", c, s);
}

extern "C" int PMPI_Attr_delete(MPI_Comm comm, int keyval) {
  Comm* c = nullptr;
  Status s = delete_attr("MPI_Attr_delete", comm, keyval, &c);
  return finish("MPI_Attr_delete", c, s);
}

extern "C" int PMPI_Keyval_create(MPI_Copy_function* copy_fn, MPI_Delete_function* delete_fn,
                                  int* keyval, void* extra_state) {
  const char* call = "MPI_Keyval_create";
  return finish(call, nullptr, create_keyval(call, copy_fn, delete_fn, keyval, extra_state));
}

extern "C" int PMPI_Keyval_free(int* keyval) {
  const char* call = "MPI_Keyval_free";
  return finish(call, nullptr, free_keyval(call, keyval));
}

// The standard ABI's integer form of a communicator handle (what Fortran and other
// language bindings store).
extern "C" int PMPI_Comm_toint(MPI_Comm comm) { return weft::comm_to_int(comm); }
extern "C" MPI_Comm PMPI_Comm_fromint(int comm) { return weft::comm_from_int(comm); }
