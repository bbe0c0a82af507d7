// The info hints of a communicator (MPI_Comm_set_info, MPI_Comm_get_info, the *_with_info
// constructors). weft acts on no hint yet, but remembers the standard's assertions
// ("mpi_assert_no_any_tag", "mpi_assert_no_any_source", "mpi_assert_exact_length",
// "mpi_assert_allow_overtaking", "mpi_assert_strict_persistent_collective_ordering"), whose
// values are "true" or "false": MPI_Comm_get_info returns all five, with the standard's
// default "false" where none was set (MPI-4.1 section 7.4.4: hints with a default value are
// returned, ignored hints are not). Other keys, and values that are not "true" or "false",
// are ignored.
#pragma once

#include <cstdint>

namespace weft {

class Info;

// The assertions `hints` sets, starting from `current` (a key absent from `hints` keeps its
// value). `hints` may be nullptr (MPI_INFO_NULL).
uint32_t apply_assertion_hints(uint32_t current, const Info* hints);
// A new info object (one reference, the caller's) holding the five assertion keys.
Info* assertion_hints(uint32_t assertions);

}  // namespace weft
