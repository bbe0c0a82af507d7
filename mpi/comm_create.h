// Making new communicators (dup, split, create, create_group): agreement on a context id
// and on the members, through the parent's collective context.
#pragma once

#include <string>

#include "base/error.h"
#include "coll/team.h"
#include "mpi.h"
#include "mpi/comm.h"

namespace weft {

class Comm;
class Errhandler;
class Group;
class Request;

Status comm_dup(const char* call, Comm* parent, Comm** out);
// `*out` is nullptr for processes that get MPI_COMM_NULL.
Status comm_split(const char* call, Comm* parent, int color, int key, Comm** out);
Status comm_split_shared(const char* call, Comm* parent, int key, Comm** out);
// MPI_COMM_TYPE_HW_GUIDED / MPI_COMM_TYPE_RESOURCE_GUIDED with the "mpi_hw_resource_type"
// the process passed (a process not bound to one resource of that type, or naming a type
// weft does not know, gets nullptr), or MPI_COMM_TYPE_HW_UNGUIDED when `resource_type` is
// nullptr: the coarsest level (mpi/hardware.h) that splits the parent into strict subsets,
// nullptr everywhere when none does. *chosen: the level's name when *out is not nullptr.
Status comm_split_hardware(const char* call, Comm* parent, const std::string* resource_type,
                           int key, Comm** out, std::string* chosen);
Status comm_create(const char* call, Comm* parent, Group* group, Comm** out);
Status comm_create_group(const char* call, Comm* parent, Group* group, int tag, Comm** out);
// MPI_Comm_idup: starts the agreement and returns at once; *request (the user's reference)
// completes when every member has joined, and only then is *newcomm written (the new
// communicator with `assertions` and the attribute values the copy callbacks produced at
// the call). The engine lock is held.
Status comm_idup(const char* call, Comm* parent, uint32_t assertions, AttributeList attributes,
                 MPI_Comm* newcomm, Request** request);
// MPI_Comm_idup on an intercommunicator: as comm_idup, the agreement running between the
// two groups (the context id is free on every member of both).
Status intercomm_idup(const char* call, Comm* parent, uint32_t assertions,
                      AttributeList attributes, MPI_Comm* newcomm, Request** request);
// The agreement of the intercommunicator constructors, blocking, with its confirming round:
// `local` is this process's group (this process at local.rank, the group's leader at
// `local_leader`); `link` reaches the other group's leader, its rank `remote_leader` there
// (both significant at the local leader only). `context` is free on every member of both
// groups and reserved on this one.
Status agree_inter_context(const char* call, const coll::Team& local, int local_leader,
                           const coll::Team& link, int remote_leader, uint32_t& context);
// MPI_Comm_create_from_group: the members of `group` agree among themselves, the calls kept
// apart by `stringtag`, with no parent communicator.
Status comm_create_from_group(const char* call, Group* group, const std::string& stringtag,
                              Errhandler* errhandler, Comm** out);

}  // namespace weft
