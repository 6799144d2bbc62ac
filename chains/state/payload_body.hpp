// Payloads that hold a big body by pointer (registry, peg) compare their bodies, not pointers.
#pragma once

#include <memory>

namespace bfd {

template <class T>
bool same_body(const std::shared_ptr<const T>& a, const std::shared_ptr<const T>& b) {
  if (!a || !b)
    return a == b;
  return a == b || *a == *b;
}

} // namespace bfd
