#include "runtime/basp_frame_guard.hpp"

#include <algorithm>
#include <cstring>

namespace bfd::runtime {

bool basp_frame_guard::first_frame_ok() const {
  // Bytes 8-15: operation data (the server handshake's protocol version); 16-31: source and
  // destination actor ids, which a client handshake leaves zero.
  const auto all_zero = [&](std::size_t from, std::size_t to) {
    return std::all_of(header_.begin() + from, header_.begin() + to, [](std::uint8_t b) { return b == 0; });
  };
  switch (first_) {
    case first_frame::any: return true;
    case first_frame::client_handshake: return header_[0] == 0x01 && all_zero(16, 32);
    case first_frame::server_handshake: return header_[0] == 0x00 && !all_zero(8, 16);
  }
  return false;
}

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
    if (frames_ == 0 && !first_frame_ok())
      return failed_ = verdict::bad_first_frame;
    ++frames_;
    payload_left_ = last_payload_;
  }
  return verdict::ok;
}

} // namespace bfd::runtime
