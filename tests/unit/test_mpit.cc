// The tools interface's engine (base/mpit.h) and run-time writes of Settings
// (base/config.h), in one process and without MPI: per-class pvar semantics through
// sessions and handles, the high-water mark's slots, and event delivery by safety level.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>
#include <vector>

#include "base/config.h"
#include "base/mpit.h"

using namespace weft;

namespace {

const config::Setting kWritable{"WEFT_UNIT_TEST_WRITABLE", config::Type::integer, "7",
                                "A writable setting declared by the unit tests.",
                                config::Write::any_time_local};
int g_heard = 0;

mpit::Counter g_counter{"unit_test_counter", mpit::Category::general, "A test counter."};
mpit::Level g_level{"unit_test_level", "unit_test_level_max", mpit::Category::general,
                    "A test level.", "Its high-water mark."};
mpit::State g_state{"unit_test_state", mpit::Category::general, "A test state.",
                    "unit_test_state", {"none", "first", "second"}};

struct Data {
  int32_t a;
  int64_t b;
};
mpit::EventType g_event{"unit_test_event", mpit::Category::general, "A test event.",
                        {{MPI_INT, offsetof(Data, a), sizeof(int32_t)},
                         {MPI_COUNT, offsetof(Data, b), sizeof(int64_t)}}};

int index_of(const char* name) {
  const auto& all = mpit::pvars();
  for (size_t i = 0; i < all.size(); ++i) {
    if (all[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

unsigned long long read(mpit::Session* s, mpit::PvarHandle* h) {
  unsigned long long v = 0;
  REQUIRE(mpit::pvar_read(s, reinterpret_cast<MPI_T_pvar_handle>(h), &v, false) == MPI_SUCCESS);
  return v;
}

MPI_T_pvar_handle as_handle(mpit::PvarHandle* h) { return reinterpret_cast<MPI_T_pvar_handle>(h); }

}  // namespace

TEST_CASE("a writable Setting takes run-time writes and tells its module", "[mpit]") {
  unsetenv("WEFT_UNIT_TEST_WRITABLE");
  kWritable.on_write([](const config::Setting& s) { g_heard = static_cast<int>(s.integer()); });
  CHECK(kWritable.integer() == 7);
  kWritable.write("42");
  CHECK(g_heard == 42);
  CHECK(kWritable.integer() == 42);
  setenv("WEFT_UNIT_TEST_WRITABLE", "9", 1);
  CHECK(kWritable.integer() == 42);  // a write outranks the environment from then on
  unsetenv("WEFT_UNIT_TEST_WRITABLE");
  CHECK(kWritable.write_mode() == config::Write::any_time_local);
  CHECK(kWritable.choices().empty());
  kWritable.set_choices({"x", "y"});
  CHECK(kWritable.choices() == std::vector<std::string>{"x", "y"});
}

TEST_CASE("counters count from zero while started", "[mpit]") {
  mpit::Session* s = nullptr;
  REQUIRE(mpit::session_create(&s) == MPI_SUCCESS);
  mpit::PvarHandle* h = nullptr;
  REQUIRE(mpit::handle_alloc(s, index_of("unit_test_counter"), nullptr, &h) == MPI_SUCCESS);
  g_counter.add(5);
  CHECK(read(s, h) == 0);  // not started
  REQUIRE(mpit::pvar_start(s, as_handle(h)) == MPI_SUCCESS);
  g_counter.add(3);
  g_counter.add_shared(4);
  CHECK(read(s, h) == 7);
  REQUIRE(mpit::pvar_stop(s, as_handle(h)) == MPI_SUCCESS);
  g_counter.add(100);
  CHECK(read(s, h) == 7);
  REQUIRE(mpit::pvar_start(s, as_handle(h)) == MPI_SUCCESS);
  g_counter.add(1);
  CHECK(read(s, h) == 8);
  unsigned long long v = 0;
  REQUIRE(mpit::pvar_read(s, as_handle(h), &v, true) == MPI_SUCCESS);
  CHECK(v == 8);
  CHECK(read(s, h) == 0);
  const unsigned long long set = 50;
  REQUIRE(mpit::pvar_write(s, as_handle(h), &set) == MPI_SUCCESS);
  g_counter.add(2);
  CHECK(read(s, h) == 52);
  REQUIRE(mpit::pvar_reset(s, MPI_T_PVAR_ALL_HANDLES) == MPI_SUCCESS);
  CHECK(read(s, h) == 0);
  CHECK(mpit::pvar_read(s, MPI_T_PVAR_ALL_HANDLES, &v, false) == MPI_T_ERR_INVALID_HANDLE);
  REQUIRE(mpit::session_free(s) == MPI_SUCCESS);
  CHECK(mpit::pvar_start(s, as_handle(h)) == MPI_T_ERR_INVALID_SESSION);
}

TEST_CASE("a high-water mark keeps the largest level per handle", "[mpit]") {
  mpit::Session* s = nullptr;
  REQUIRE(mpit::session_create(&s) == MPI_SUCCESS);
  mpit::PvarHandle* level = nullptr;
  mpit::PvarHandle* early = nullptr;
  mpit::PvarHandle* late = nullptr;
  REQUIRE(mpit::handle_alloc(s, index_of("unit_test_level"), nullptr, &level) == MPI_SUCCESS);
  REQUIRE(mpit::handle_alloc(s, index_of("unit_test_level_max"), nullptr, &early) == MPI_SUCCESS);
  REQUIRE(mpit::handle_alloc(s, index_of("unit_test_level_max"), nullptr, &late) == MPI_SUCCESS);
  CHECK(mpit::pvar_start(s, as_handle(level)) == MPI_T_ERR_PVAR_NO_STARTSTOP);
  unsigned long long v = 1;
  CHECK(mpit::pvar_write(s, as_handle(level), &v) == MPI_T_ERR_PVAR_NO_WRITE);
  REQUIRE(mpit::pvar_start(s, as_handle(early)) == MPI_SUCCESS);
  for (int i = 0; i < 5; ++i) g_level.increase();
  for (int i = 0; i < 3; ++i) g_level.decrease();
  CHECK(read(s, level) == 2);
  CHECK(read(s, early) == 5);
  REQUIRE(mpit::pvar_start(s, as_handle(late)) == MPI_SUCCESS);
  CHECK(read(s, late) == 2);  // starts at the level now
  g_level.increase();
  CHECK(read(s, late) == 3);
  CHECK(read(s, early) == 5);
  REQUIRE(mpit::pvar_stop(s, as_handle(early)) == MPI_SUCCESS);
  for (int i = 0; i < 10; ++i) g_level.increase();
  CHECK(read(s, early) == 5);  // stopped
  CHECK(read(s, late) == 13);
  REQUIRE(mpit::pvar_reset(s, as_handle(late)) == MPI_SUCCESS);
  CHECK(read(s, late) == 13);
  for (int i = 0; i < 13; ++i) g_level.decrease();
  CHECK(read(s, late) == 13);
  REQUIRE(mpit::pvar_read(s, as_handle(late), &v, true) == MPI_SUCCESS);
  CHECK(v == 13);
  CHECK(read(s, late) == 0);
  // Every slot taken: one more started handle is refused.
  std::vector<mpit::PvarHandle*> more;
  int refused = 0;
  for (int i = 0; i < mpit::Level::kSlots; ++i) {
    mpit::PvarHandle* h = nullptr;
    REQUIRE(mpit::handle_alloc(s, index_of("unit_test_level_max"), nullptr, &h) == MPI_SUCCESS);
    if (mpit::pvar_start(s, as_handle(h)) == MPI_T_ERR_OUT_OF_HANDLES) ++refused;
    more.push_back(h);
  }
  CHECK(refused == 1);  // `late` holds one
  REQUIRE(mpit::session_free(s) == MPI_SUCCESS);
}

TEST_CASE("a state reads its current value through its enumeration", "[mpit]") {
  mpit::Session* s = nullptr;
  REQUIRE(mpit::session_create(&s) == MPI_SUCCESS);
  const int index = index_of("unit_test_state");
  REQUIRE(index >= 0);
  const mpit::PvarInfo& info = mpit::pvars()[static_cast<size_t>(index)];
  REQUIRE(info.enumtype != nullptr);
  CHECK(info.enumtype->items.size() == 3);
  CHECK(info.enumtype->items[2].second == "second");
  CHECK(mpit::is_enum(info.enumtype));
  mpit::PvarHandle* h = nullptr;
  REQUIRE(mpit::handle_alloc(s, index, nullptr, &h) == MPI_SUCCESS);
  g_state.set(2);
  int v = -1;
  REQUIRE(mpit::pvar_read(s, as_handle(h), &v, false) == MPI_SUCCESS);
  CHECK(v == 2);
  REQUIRE(mpit::session_free(s) == MPI_SUCCESS);
}

namespace {
int g_calls = 0;
MPI_T_cb_safety g_safety = MPI_T_CB_REQUIRE_NONE;
Data g_read{};
MPI_Count g_dropped = 0;
int g_freed = 0;
void on_event(MPI_T_event_instance instance, MPI_T_event_registration, MPI_T_cb_safety safety,
              void*) {
  ++g_calls;
  g_safety = safety;
  auto* i = reinterpret_cast<mpit::Instance*>(instance);
  mpit::instance_read(i, 0, &g_read.a);
  mpit::instance_read(i, 1, &g_read.b);
}
void on_dropped(MPI_Count count, MPI_T_event_registration, int, MPI_T_cb_safety, void*) {
  g_dropped += count;
}
void on_free(MPI_T_event_registration, MPI_T_cb_safety, void* user_data) {
  if (user_data == &g_freed) ++g_freed;
}
}  // namespace

TEST_CASE("events reach the callback of the lowest level the context allows", "[mpit]") {
  CHECK_FALSE(g_event.active());
  mpit::Registration* r = nullptr;
  REQUIRE(mpit::registration_alloc(g_event.index_, &r) == MPI_SUCCESS);
  CHECK(g_event.active());
  const Data data{11, 1LL << 40};
  // Only a REQUIRE_NONE callback: dropped and counted.
  REQUIRE(mpit::register_callback(r, MPI_T_CB_REQUIRE_NONE, nullptr, on_event) == MPI_SUCCESS);
  g_event.raise(&data, sizeof data);
  CHECK(g_calls == 0);
  REQUIRE(mpit::set_dropped_handler(r, on_dropped) == MPI_SUCCESS);
  g_event.raise(&data, sizeof data);
  CHECK(g_dropped == 2);  // both drops, reported together
  REQUIRE(mpit::register_callback(r, MPI_T_CB_REQUIRE_ASYNC_SIGNAL_SAFE, nullptr, on_event) ==
          MPI_SUCCESS);
  g_event.raise(&data, sizeof data);
  CHECK(g_calls == 1);
  CHECK(g_safety == MPI_T_CB_REQUIRE_MPI_RESTRICTED);
  CHECK(g_read.a == 11);
  CHECK(g_read.b == (1LL << 40));
  CHECK(mpit::register_callback(r, static_cast<MPI_T_cb_safety>(5), nullptr, on_event) ==
        MPI_T_ERR_INVALID);
  REQUIRE(mpit::registration_free(r, &g_freed, on_free) == MPI_SUCCESS);
  CHECK(g_freed == 1);
  CHECK_FALSE(g_event.active());
  g_event.raise(&data, sizeof data);
  CHECK(g_calls == 1);
  CHECK(mpit::registration_free(r, nullptr, nullptr) == MPI_T_ERR_INVALID_HANDLE);
}
