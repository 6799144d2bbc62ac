#include "runtime/basp_frame_guard.hpp"

#include <algorithm>
#include <cstring>

namespace bfd::runtime {

basp_frame_guard::verdict basp_frame_guard::feed(const std::uint8_t* data, std::size_t n) {
  if (failed_ != verdict::ok)
    return failed_;
  while (n > 0) {
    if (payload_left_ > 0) {
      const auto skip = static_cast<std::size_t>(std::min<std::uint64_t>(payload_left_, n));
      payload_left_ -= skip;
      data += skip;
      n -= skip;
      continue;
    }
    const auto take = std::min(header_size - have_, n);
    std::memcpy(header_.data() + have_, data, take);
    have_ += take;
    data += take;
    n -= take;
    if (have_ < header_size)
      break;
    have_ = 0;
    // The header as CAF 0.17's binary serializer writes it (caf/io/basp/header.hpp), in network
    // byte order: operation, padding, padding, flags, payload_len, ...
    last_payload_ = (std::uint32_t{header_[4]} << 24) | (std::uint32_t{header_[5]} << 16)
                    | (std::uint32_t{header_[6]} << 8) | std::uint32_t{header_[7]};
    if (header_[0] > max_operation)
      return failed_ = verdict::bad_operation;
    if (last_payload_ > max_payload_)
      return failed_ = verdict::oversized;
    ++frames_;
    payload_left_ = last_payload_;
  }
  return verdict::ok;
}

} // namespace bfd::runtime
