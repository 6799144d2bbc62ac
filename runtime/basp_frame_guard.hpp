// Follows the frames of a CAF 0.17 BASP byte stream and flags a bad header before its payload is
// read: what the peer gate uses to keep oversized frames away from CAF. Depends on nothing but std.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace bfd::runtime {

/// The largest BASP payload a gate lets through: a block is at most 8 MiB of canonical bytes
/// (chains/codec block_limits); CAF's message framing adds little. Twice that leaves room.
inline constexpr std::uint32_t default_max_frame_payload = 16u * 1024 * 1024;

/// Follows the BASP frames of one direction of a CAF 0.17 link (a 32-byte header: operation,
/// two padding bytes, flags, a big-endian 32-bit payload length, operation data, source and
/// destination actor ids; then the payload) and flags a frame before its payload is read.
class basp_frame_guard {
public:
  /// What a frame header tells.
  enum class verdict { ok, oversized, bad_operation, bad_first_frame };

  /// What the first frame of the stream must be. BASP opens a link with the accepting node's
  /// server handshake, answered by the connecting node's client handshake; anything else first
  /// (CAF would quietly drop an actor message from a node that never shook hands, and keep the
  /// link open) is a violation.
  enum class first_frame {
    any,               ///< not checked
    client_handshake,  ///< the peer connected to us: operation 0x01, no source or destination actor
    server_handshake,  ///< we connected to the peer: operation 0x00 with a non-zero version
  };

  static constexpr std::size_t header_size = 32;
  static constexpr std::uint8_t max_operation = 0x06;  ///< heartbeat, the last BASP message type

  explicit basp_frame_guard(std::uint32_t max_payload = default_max_frame_payload, first_frame first = first_frame::any)
    : max_payload_(max_payload), first_(first) {}

  /// Takes the next `n` bytes of the stream; stops at the first bad header (nothing after it is
  /// looked at, later calls return the same verdict, and the link must be closed).
  verdict feed(const std::uint8_t* data, std::size_t n);

  /// Complete headers seen so far.
  std::uint64_t frames() const { return frames_; }
  /// The payload length of the last header (the bad one after a violation).
  std::uint32_t last_payload() const { return last_payload_; }
  /// The operation byte of the last header.
  std::uint8_t last_operation() const { return header_[0]; }

private:
  bool first_frame_ok() const;

  std::uint32_t max_payload_;
  first_frame first_;
  std::array<std::uint8_t, header_size> header_{};
  std::size_t have_ = 0;            ///< header bytes collected
  std::uint64_t payload_left_ = 0;  ///< payload bytes still to skip
  std::uint64_t frames_ = 0;
  std::uint32_t last_payload_ = 0;
  verdict failed_ = verdict::ok;
};

} // namespace bfd::runtime
