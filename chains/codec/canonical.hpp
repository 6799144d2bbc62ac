// Canonical msgpack: the one byte encoding for everything signed, hashed, stored or sent.
// Writers emit fixed-length arrays, the smallest integer forms and `bin` for bytes;
// readers accept exactly that and nothing else.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include <msgpack.hpp>

#include "chains/core/bytes.hpp"
#include "chains/core/error.hpp"


namespace bfd::codec {

/// Bounds every decoder enforces.
struct limits {
  std::size_t max_frame_bytes = 64 * 1024;  ///< whole input
  std::size_t max_array_items = 65'536;     ///< items in any one array
  std::size_t max_depth = 8;                ///< nesting of arrays
};

/// Bounds for one transaction: room for the largest registry payload (a sidechain anchor with a
/// certificate and a state proof, at most 128 KiB) and its arrays of up to 1,024 items.
inline constexpr limits tx_limits{132 * 1024, 1024, 4};
/// Bounds for one block (header + transactions).
inline constexpr limits block_limits{8 * 1024 * 1024, 65'536, 8};
/// Bounds for one block header.
inline constexpr limits header_limits{1024, 16, 2};

/// Appends canonical msgpack to a byte buffer.
class writer {
public:
  explicit writer(bytes& out) : out_(out) {}

  void array(std::uint32_t count);
  void uint(std::uint64_t value);
  void bin(byte_view data);
  template <std::size_t N>
  void bin(const fixed_bytes<N>& data) {
    bin(data.view());
  }

private:
  void put(byte b) { out_.push_back(b); }
  void put_be(std::uint64_t value, int width);
  bytes& out_;
};

/// Read access to one decoded msgpack value, failing with errc::malformed on a type mismatch.
class reader {
public:
  explicit reader(const msgpack::object& obj, const char* what = "value") : obj_(&obj), what_(what) {}

  /// The items of an array of exactly `count` elements.
  result<const msgpack::object*> array(std::uint32_t count) const;
  /// The items of an array of any size up to `max`; `count` receives the size.
  result<const msgpack::object*> array_up_to(std::uint32_t max, std::uint32_t& count) const;
  result<std::uint64_t> uint() const;
  result<bytes> bin(std::size_t max) const;

  template <std::size_t N>
  result<fixed_bytes<N>> fixed() const;

private:
  error fail(const char* expected) const;
  result<byte_view> raw_bin() const;
  const msgpack::object* obj_;
  const char* what_;
};

template <std::size_t N>
result<fixed_bytes<N>> reader::fixed() const {
  auto raw = raw_bin();
  if (!raw)
    return raw.error();
  if (raw->size() != N)
    return make_error(errc::malformed, std::string(what_) + ": expected " + std::to_string(N)
                                         + " bytes, got " + std::to_string(raw->size()));
  fixed_bytes<N> out;
  for (std::size_t i = 0; i < N; ++i)
    out.data[i] = (*raw)[i];
  return out;
}

/// Parses `in` as exactly one msgpack value within `lim` and hands it to `visit`.
/// Turns every msgpack exception into an error value: nothing escapes.
status parse(byte_view in, const limits& lim, const std::function<status(const msgpack::object&)>& visit);

/// Decodes `in` into T with `decode_fn`, then checks canonicality by re-encoding with
/// `encode_fn` and comparing bytes: any other encoding of the same value is rejected.
template <class T, class Decode, class Encode>
result<T> decode_canonical(byte_view in, const limits& lim, Decode decode_fn, Encode encode_fn) {
  T value{};
  auto st = parse(in, lim, [&](const msgpack::object& obj) -> status {
    auto decoded = decode_fn(obj);
    if (!decoded)
      return decoded.error();
    value = std::move(*decoded);
    return {};
  });
  if (!st)
    return st.error();
  bytes again;
  again.reserve(in.size());
  encode_fn(value, again);
  if (again.size() != in.size() || !std::equal(again.begin(), again.end(), in.begin()))
    return make_error(errc::non_canonical, "input is not the canonical encoding of its value");
  return value;
}

} // namespace bfd::codec
