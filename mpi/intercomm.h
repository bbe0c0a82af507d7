// Intercommunicators (MPI-4.1 section 7.6): two disjoint groups, the local one (this
// process's) and the remote one. Point-to-point ranks and collective roots name processes
// of the remote group; MPI_Comm_size, _rank and _group describe the local group. A Comm is
// an intercommunicator when it has a remote group (Comm::is_inter()).
//
// Context ids: a new intercommunicator's id must be free on every process of both groups.
// Every construction below first lets the leaders swap what the call needs from the other
// group (its processes, colors and keys, its `high` flag) and broadcast it in their group,
// then runs the context agreement of mpi/comm_create.h between the two groups: each group
// ANDs its members' masks of free ids, the leaders swap and AND them, and a confirming
// round retries when an id was taken meanwhile on some member (a pending MPI_Comm_idup,
// another thread), so concurrent constructions over overlapping groups never pick one id
// twice. MPI_Comm_idup on an intercommunicator runs the same agreement as a nonblocking
// operation (comm_create.h: intercomm_idup).
//
// Each intercommunicator also owns a private local intracommunicator over its local group,
// on a context derived from its own (Comm::local_context()): the collectives run their
// intra-group steps there, and the exchanges above ANDs and broadcast there.
#pragma once

#include "base/error.h"

namespace weft {

class Comm;
class Errhandler;
class Group;

// MPI_Intercomm_create. `local` must be an intracommunicator; `peer` and `remote_leader`
// are significant only at the local leader (peer may be nullptr elsewhere). The leaders
// talk on peer's point-to-point context under `tag`, as the standard describes.
Status intercomm_create(const char* call, Comm* local, int local_leader, Comm* peer,
                        int remote_leader, int tag, Comm** out);

// MPI_Intercomm_create_from_groups: no parent communicator. The groups talk on
// MPI_COMM_WORLD's collective context under tags derived from `stringtag`, like
// MPI_Comm_create_group on a parent. The caller has checked the arguments (membership,
// leaders in range, disjoint groups).
Status intercomm_create_from_groups(const char* call, Group* local, int local_leader,
                                    Group* remote, int remote_leader, const char* stringtag,
                                    Errhandler* errhandler, Comm** out);

// MPI_Intercomm_merge: the group whose processes pass high = false comes first; when both
// pass the same value, the group whose rank 0 has the lower world rank comes first (the
// lower uid, p2p/engine.h, when the two leaders belong to different jobs).
Status intercomm_merge(const char* call, Comm* inter, bool high, Comm** out);

// MPI_Comm_dup, MPI_Comm_split and MPI_Comm_create on an intercommunicator. Split and
// create give intercommunicators whose groups are the parts of each side; `*out` is
// nullptr (MPI_COMM_NULL) where this process's part or its counterpart is empty.
Status intercomm_dup(const char* call, Comm* inter, Comm** out);
Status intercomm_split(const char* call, Comm* inter, int color, int key, Comm** out);
Status intercomm_create_part(const char* call, Comm* inter, Group* group, Comm** out);

// MPI_Comm_compare where either is an intercommunicator: MPI_CONGRUENT when both local and
// both remote groups are identical, MPI_SIMILAR when they hold the same members, and
// MPI_UNEQUAL otherwise (always, between an intercommunicator and an intracommunicator).
int intercomm_compare(const Comm& a, const Comm& b);

}  // namespace weft
