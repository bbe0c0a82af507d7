// The standard ABI's handle serialization (MPI_<Kind>_toint / MPI_<Kind>_fromint) for every
// handle kind but communicators (api/comm_api.cc). They report no errors: converting an
// invalid handle, or an integer no toint call returned, is erroneous (the standard), and
// weft answers the latter with the kind's null handle. The null handles of kinds weft does
// not implement yet (windows, files, sessions) still convert both ways.
#include "mpi.h"
#include "mpi/handle_int.h"

namespace {

template <class Handle>
Handle from_int(int value, Handle null_handle) {
  return static_cast<Handle>(weft::handle_from_int(value, null_handle));
}

}  // namespace

extern "C" int PMPI_Type_toint(MPI_Datatype datatype) { return weft::handle_to_int(datatype); }
extern "C" MPI_Datatype PMPI_Type_fromint(int datatype) {
  return from_int(datatype, MPI_DATATYPE_NULL);
}

extern "C" int PMPI_Op_toint(MPI_Op op) { return weft::handle_to_int(op); }
extern "C" MPI_Op PMPI_Op_fromint(int op) { return from_int(op, MPI_OP_NULL); }

extern "C" int PMPI_Group_toint(MPI_Group group) { return weft::handle_to_int(group); }
extern "C" MPI_Group PMPI_Group_fromint(int group) { return from_int(group, MPI_GROUP_NULL); }

extern "C" int PMPI_Errhandler_toint(MPI_Errhandler errhandler) {
  return weft::handle_to_int(errhandler);
}
extern "C" MPI_Errhandler PMPI_Errhandler_fromint(int errhandler) {
  return from_int(errhandler, MPI_ERRHANDLER_NULL);
}

extern "C" int PMPI_Info_toint(MPI_Info info) { return weft::handle_to_int(info); }
extern "C" MPI_Info PMPI_Info_fromint(int info) { return from_int(info, MPI_INFO_NULL); }

extern "C" int PMPI_Request_toint(MPI_Request request) { return weft::handle_to_int(request); }
extern "C" MPI_Request PMPI_Request_fromint(int request) {
  return from_int(request, MPI_REQUEST_NULL);
}

extern "C" int PMPI_Message_toint(MPI_Message message) { return weft::handle_to_int(message); }
extern "C" MPI_Message PMPI_Message_fromint(int message) {
  return from_int(message, MPI_MESSAGE_NULL);
}

extern "C" int PMPI_Win_toint(MPI_Win win) { return weft::handle_to_int(win); }
extern "C" MPI_Win PMPI_Win_fromint(int win) { return from_int(win, MPI_WIN_NULL); }

extern "C" int PMPI_File_toint(MPI_File file) { return weft::handle_to_int(file); }
extern "C" MPI_File PMPI_File_fromint(int file) { return from_int(file, MPI_FILE_NULL); }

extern "C" int PMPI_Session_toint(MPI_Session session) { return weft::handle_to_int(session); }
extern "C" MPI_Session PMPI_Session_fromint(int session) {
  return from_int(session, MPI_SESSION_NULL);
}
