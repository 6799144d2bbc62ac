// Reading the items of one decoded msgpack array in order, keeping the first error, so a decoder
// reads every field and checks ok() once. Pure.
#pragma once

#include <string>

#include "chains/codec/canonical.hpp"

namespace bfd::codec {

class field_reader {
public:
  explicit field_reader(const msgpack::object* items) : f_(items) {}
  bool ok() const noexcept { return err_.code == errc::ok; }
  const error& err() const noexcept { return err_; }

  /// Item i as an unsigned integer of at most `max`.
  std::uint64_t uint(std::size_t i, const char* name, std::uint64_t max = UINT64_MAX) {
    if (!ok())
      return 0;
    auto v = reader(f_[i], name).uint();
    if (!v)
      return fail(v.error()), 0;
    if (*v > max)
      return fail(make_error(errc::malformed, std::string(name) + ": above " + std::to_string(max))), 0;
    return *v;
  }
  template <std::size_t N>
  fixed_bytes<N> fixed(std::size_t i, const char* name) {
    if (!ok())
      return {};
    auto v = reader(f_[i], name).template fixed<N>();
    if (!v)
      return fail(v.error()), fixed_bytes<N>{};
    return *v;
  }
  bytes bin(std::size_t i, const char* name, std::size_t max) {
    if (!ok())
      return {};
    auto v = reader(f_[i], name).bin(max);
    if (!v)
      return fail(v.error()), bytes{};
    return std::move(*v);
  }
  /// A string stored as `bin` of its bytes.
  std::string text(std::size_t i, const char* name, std::size_t max) {
    auto b = bin(i, name, max);
    return std::string(b.begin(), b.end());
  }
  const msgpack::object* array(std::size_t i, const char* name, std::uint32_t count) {
    if (!ok())
      return nullptr;
    auto v = reader(f_[i], name).array(count);
    if (!v)
      return fail(v.error()), nullptr;
    return *v;
  }
  const msgpack::object* array_up_to(std::size_t i, const char* name, std::uint32_t max, std::uint32_t& count) {
    count = 0;
    if (!ok())
      return nullptr;
    auto v = reader(f_[i], name).array_up_to(max, count);
    if (!v)
      return fail(v.error()), nullptr;
    return *v;
  }
  /// Keeps `e` unless an error came first.
  void fail(error e) {
    if (ok())
      err_ = std::move(e);
  }

private:
  const msgpack::object* f_;
  error err_;
};

} // namespace bfd::codec
