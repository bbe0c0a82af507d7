// Making new communicators (dup, split, create, create_group): agreement on a context id
// and on the members, through the parent's collective context.
#pragma once

#include "base/error.h"

namespace weft {

class Comm;
class Group;

Status comm_dup(const char* call, Comm* parent, Comm** out);
// `*out` is nullptr for processes that get MPI_COMM_NULL.
Status comm_split(const char* call, Comm* parent, int color, int key, Comm** out);
Status comm_split_shared(const char* call, Comm* parent, int key, Comm** out);
Status comm_create(const char* call, Comm* parent, Group* group, Comm** out);
Status comm_create_group(const char* call, Comm* parent, Group* group, int tag, Comm** out);

}  // namespace weft
