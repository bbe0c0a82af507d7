// The integer form of a handle (MPI_<Kind>_toint / MPI_<Kind>_fromint, the standard ABI's
// handle serialization): a predefined handle converts to its own ABI value (MPI_COMM_WORLD
// is 257), so the conversion of predefined handles needs no table; a handle of an object the
// program made converts to a small integer at or above kFirstDynamicHandle, which no
// predefined handle reaches. The same handle always gets the same integer.
#pragma once

namespace weft {

// `handle` is any handle value of any kind (handles of different kinds never share an
// address, so one table serves all of them).
int handle_to_int(const void* handle);
// The handle an integer came from; `null_handle` (the kind's *_NULL value) for an integer
// that no call to handle_to_int returned.
void* handle_from_int(int value, const void* null_handle);

}  // namespace weft
