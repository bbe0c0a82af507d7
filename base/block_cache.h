// Per-thread caches of fixed-size memory blocks, for objects that are made and dropped at
// message rate (requests): taking a block from the cache and giving it back are a few
// loads and stores, where malloc and free cost a hundred instructions or more each.
//
// Each thread keeps up to kKept free blocks of kBytes. A block given back by another
// thread than the one that took it (a request completed and freed elsewhere) joins the
// giving thread's cache. A thread's cache frees its blocks when the thread ends; blocks
// given back after that (objects dropped by destructors that run later at exit) go to
// the heap.
#pragma once

#include <cstddef>
#include <new>

namespace weft {

template <size_t kBytes, int kKept>
class BlockCache {
  static_assert(kBytes >= sizeof(void*), "a free block holds the link to the next one");

 public:
  static void* take() {
    Lists& lists = t_lists;
    if (lists.head != nullptr) {
      Free* block = lists.head;
      lists.head = block->next;
      --lists.count;
      return block;
    }
    return ::operator new(kBytes);
  }

  static void give(void* block) {
    Lists& lists = t_lists;
    if (lists.armed && lists.count < kKept) {
      auto* free_block = static_cast<Free*>(block);
      free_block->next = lists.head;
      lists.head = free_block;
      ++lists.count;
      return;
    }
    give_slow(lists, block);
  }

 private:
  struct Free {
    Free* next;
  };
  // Trivially destructible, so the fast paths touch it without the guard a thread_local
  // with a destructor costs on every access; the Reaper below, touched once per thread,
  // empties it when the thread ends.
  struct Lists {
    Free* head;
    int count;
    bool armed;   // the Reaper is registered
    bool closed;  // the Reaper has run: no more caching on this thread
  };
  struct Reaper {
    bool touched = false;
    ~Reaper() {
      Lists& lists = t_lists;
      lists.closed = true;
      lists.armed = false;
      while (lists.head != nullptr) {
        Free* block = lists.head;
        lists.head = block->next;
        ::operator delete(block);
      }
      lists.count = 0;
    }
  };

  // The cache is full, or this is the first block given back on this thread: then the
  // Reaper is registered and the block kept, unless the Reaper has already run.
  [[gnu::noinline]] static void give_slow(Lists& lists, void* block) {
    if (!lists.armed && !lists.closed) {
      t_reaper.touched = true;
      lists.armed = true;
    }
    if (!lists.armed || lists.count >= kKept) {
      ::operator delete(block);
      return;
    }
    auto* free_block = static_cast<Free*>(block);
    free_block->next = lists.head;
    lists.head = free_block;
    ++lists.count;
  }

  static inline thread_local Lists t_lists{};
  static inline thread_local Reaper t_reaper;
};

}  // namespace weft
