// A doubly linked list threaded through its elements (`list_prev` / `list_next` members),
// so queuing a request or an unexpected message never allocates. An element is in at
// most one such list at a time.
#pragma once

#include <cstddef>

namespace weft::p2p {

template <class T>
class IntrusiveList {
 public:
  bool empty() const { return head_ == nullptr; }
  size_t size() const { return size_; }
  T* front() const { return head_; }
  static T* next(const T* element) { return element->list_next; }

  void push_back(T* element) {
    element->list_prev = tail_;
    element->list_next = nullptr;
    if (tail_ != nullptr) {
      tail_->list_next = element;
    } else {
      head_ = element;
    }
    tail_ = element;
    ++size_;
  }

  void erase(T* element) {
    if (element->list_prev != nullptr) {
      element->list_prev->list_next = element->list_next;
    } else {
      head_ = element->list_next;
    }
    if (element->list_next != nullptr) {
      element->list_next->list_prev = element->list_prev;
    } else {
      tail_ = element->list_prev;
    }
    element->list_prev = element->list_next = nullptr;
    --size_;
  }

  bool contains(const T* element) const {
    for (T* it = head_; it != nullptr; it = it->list_next) {
      if (it == element) return true;
    }
    return false;
  }

 private:
  T* head_ = nullptr;
  T* tail_ = nullptr;
  size_t size_ = 0;
};

}  // namespace weft::p2p
