#include "chains/codec/canonical.hpp"

#include <exception>
#include <new>

#include <msgpack.hpp>

namespace bfd::codec {

// Writer: the smallest msgpack form of every value, written by hand to stay allocation-free
// and to make the canonical form explicit (docs/formats.md lists these rules).

void writer::put_be(std::uint64_t value, int width) {
  for (int i = width - 1; i >= 0; --i)
    put(static_cast<byte>(value >> (8 * i)));
}

void writer::array(std::uint32_t count) {
  if (count < 16) {
    put(static_cast<byte>(0x90 | count));
  } else if (count <= 0xffff) {
    put(0xdc);
    put_be(count, 2);
  } else {
    put(0xdd);
    put_be(count, 4);
  }
}

void writer::uint(std::uint64_t value) {
  if (value < 128) {
    put(static_cast<byte>(value));
  } else if (value <= 0xff) {
    put(0xcc);
    put_be(value, 1);
  } else if (value <= 0xffff) {
    put(0xcd);
    put_be(value, 2);
  } else if (value <= 0xffffffffULL) {
    put(0xce);
    put_be(value, 4);
  } else {
    put(0xcf);
    put_be(value, 8);
  }
}

void writer::bin(byte_view data) {
  if (data.size() <= 0xff) {
    put(0xc4);
    put_be(data.size(), 1);
  } else if (data.size() <= 0xffff) {
    put(0xc5);
    put_be(data.size(), 2);
  } else {
    put(0xc6);
    put_be(data.size(), 4);
  }
  out_.insert(out_.end(), data.begin(), data.end());
}

// Reader.

error reader::fail(const char* expected) const {
  return make_error(errc::malformed, std::string(what_) + ": expected " + expected);
}

result<const msgpack::object*> reader::array(std::uint32_t count) const {
  if (obj_->type != msgpack::type::ARRAY)
    return fail("an array");
  if (obj_->via.array.size != count)
    return make_error(errc::malformed, std::string(what_) + ": expected an array of "
                                         + std::to_string(count) + " items, got "
                                         + std::to_string(obj_->via.array.size));
  return static_cast<const msgpack::object*>(obj_->via.array.ptr);
}

result<const msgpack::object*> reader::array_up_to(std::uint32_t max, std::uint32_t& count) const {
  if (obj_->type != msgpack::type::ARRAY)
    return fail("an array");
  if (obj_->via.array.size > max)
    return make_error(errc::too_large, std::string(what_) + ": more than " + std::to_string(max)
                                         + " items");
  count = obj_->via.array.size;
  return static_cast<const msgpack::object*>(obj_->via.array.ptr);
}

result<std::uint64_t> reader::uint() const {
  if (obj_->type != msgpack::type::POSITIVE_INTEGER)
    return fail("an unsigned integer");
  return static_cast<std::uint64_t>(obj_->via.u64);
}

result<byte_view> reader::raw_bin() const {
  if (obj_->type != msgpack::type::BIN)
    return fail("bin bytes");
  return byte_view{reinterpret_cast<const byte*>(obj_->via.bin.ptr), obj_->via.bin.size};
}

result<bytes> reader::bin(std::size_t max) const {
  auto raw = raw_bin();
  if (!raw)
    return raw.error();
  if (raw->size() > max)
    return make_error(errc::too_large, std::string(what_) + ": more than " + std::to_string(max)
                                         + " bytes");
  return bytes(raw->begin(), raw->end());
}

status parse(byte_view in, const limits& lim, const std::function<status(const msgpack::object&)>& visit) {
  if (in.size() > lim.max_frame_bytes)
    return make_error(errc::too_large, std::to_string(in.size()) + " bytes exceed the bound of "
                                         + std::to_string(lim.max_frame_bytes));
  if (in.empty())
    return make_error(errc::malformed, "empty input");
  try {
    // Maps, strings and ext values never appear in our encodings: a limit of 0 rejects them
    // before anything is allocated for them.
    msgpack::unpack_limit ul(lim.max_array_items, 0, 0, lim.max_frame_bytes, 0, lim.max_depth);
    std::size_t offset = 0;
    msgpack::object_handle handle = msgpack::unpack(reinterpret_cast<const char*>(in.data()),
                                                    in.size(), offset, nullptr, nullptr, ul);
    if (offset != in.size())
      return make_error(errc::trailing_bytes, std::to_string(in.size() - offset)
                                                + " bytes after the value");
    return visit(handle.get());
  } catch (const msgpack::depth_size_overflow&) {
    return make_error(errc::too_deep, "nesting deeper than " + std::to_string(lim.max_depth));
  } catch (const msgpack::size_overflow& e) {
    return make_error(errc::too_large, e.what());
  } catch (const msgpack::insufficient_bytes&) {
    return make_error(errc::malformed, "input ends inside a value");
  } catch (const std::bad_alloc&) {
    return make_error(errc::too_large, "value too large to decode");
  } catch (const std::exception& e) {
    return make_error(errc::malformed, e.what());
  }
}

} // namespace bfd::codec
