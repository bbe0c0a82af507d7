// Attributes cached on datatypes (MPI_Type_create_keyval, MPI_Type_set_attr, ...): the keys,
// their copy and delete callbacks, and the values each type holds.
//
// Keys of datatypes are numbered apart from the communicator keys of mpi/, so a key of one
// kind given to the calls of the other is reported as an invalid key. A freed key disappears
// for new calls at once, but lives on, callbacks included, while attributes still use it: the
// standard wants their delete callbacks to run when those attributes go.
//
// Callbacks run without any lock held, so they may call MPI (even on the same type).
#pragma once

#include "base/error.h"
#include "datatype/datatype.h"
#include "mpi.h"

namespace weft {

struct TypeKeyval {
  MPI_Type_copy_attr_function* copy = nullptr;   // or MPI_TYPE_NULL_COPY_FN / MPI_TYPE_DUP_FN
  MPI_Type_delete_attr_function* del = nullptr;  // or MPI_TYPE_NULL_DELETE_FN
  void* extra_state = nullptr;
};

int type_keyval_create(const TypeKeyval& keyval);
// Frees the key *keyval names and sets it to MPI_KEYVAL_INVALID.
Status type_keyval_free(const char* call, int* keyval);

// Sets an attribute, running the delete callback on the value it replaces (which stays when
// the callback fails).
Status type_attr_set(const char* call, Datatype& type, int keyval, void* value);
// *found tells whether the type holds a value for the key.
Status type_attr_get(const char* call, Datatype& type, int keyval, void** value, bool* found);
// Runs the delete callback and removes the attribute; removing an absent one does nothing.
Status type_attr_delete(const char* call, Datatype& type, int keyval);

// MPI_Type_dup: the copy callback of each attribute of `from` decides whether `to` gets it.
Status type_attrs_copy(const char* call, Datatype& from, Datatype& to);
// MPI_Type_free: runs the delete callbacks of every attribute and removes them. Stops at the
// first callback that fails, leaving that attribute and the ones after it in place.
Status type_attrs_delete_all(const char* call, Datatype& type);

}  // namespace weft
