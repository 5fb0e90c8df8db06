#include "tracking/json_tree.h"

#include <algorithm>
#include <charconv>

namespace mops::tracking::internal {

// nlohmann's SAX events into the tree's arrays. A container's members wait
// in `pending_` until it closes; then an object's are sorted by key, the last
// of equal keys kept (as the std::map of nlohmann's tree does), and copied
// after the members of the containers closed before it.
class Tree::Builder {
 public:
  explicit Builder(Tree& t) : t_(t) {}

  bool null() { return Add(Node{}); }
  bool boolean(bool v) {
    Node n;
    n.kind = Kind::kBool;
    n.boolean = v;
    return Add(n);
  }
  bool number_integer(Json::number_integer_t v) {
    Node n;
    n.kind = Kind::kInt;
    n.integer = v;
    return Add(n);
  }
  bool number_unsigned(Json::number_unsigned_t v) {
    Node n;
    n.kind = Kind::kUint;
    n.unsigned_integer = v;
    return Add(n);
  }
  bool number_float(Json::number_float_t v, const std::string&) {
    Node n;
    n.kind = Kind::kFloat;
    n.floating = v;
    return Add(n);
  }
  bool string(std::string& v) {
    Node n;
    n.kind = Kind::kString;
    n.offset = static_cast<uint32_t>(t_.text_.size());
    n.length = static_cast<uint32_t>(v.size());
    t_.text_.append(v);
    return Add(n);
  }
  bool binary(Json::binary_t&) { return false; }  // not produced by JSON text
  bool key(std::string& k) {
    Frame& f = t_.frames_.back();
    f.key_offset = static_cast<uint32_t>(t_.text_.size());
    f.key_length = static_cast<uint32_t>(k.size());
    t_.text_.append(k);
    return true;
  }
  bool start_object(std::size_t) { return Open(Kind::kObject); }
  bool start_array(std::size_t) { return Open(Kind::kArray); }
  bool end_object() { return Close(true); }
  bool end_array() { return Close(false); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    return false;
  }

 private:
  bool Add(const Node& n) {
    const auto index = static_cast<uint32_t>(t_.nodes_.size());
    t_.nodes_.push_back(n);
    if (t_.frames_.empty()) {
      t_.root_ = index;
    } else {
      const Frame& f = t_.frames_.back();
      t_.pending_.push_back(Member{f.key_offset, f.key_length, index});
    }
    return true;
  }
  bool Open(Kind kind) {
    Node n;
    n.kind = kind;
    Add(n);
    t_.frames_.push_back(Frame{static_cast<uint32_t>(t_.nodes_.size() - 1),
                               static_cast<uint32_t>(t_.pending_.size()), 0, 0});
    return true;
  }
  bool Close(bool object) {
    const Frame f = t_.frames_.back();
    t_.frames_.pop_back();
    auto first = t_.pending_.begin() + f.first_pending;
    auto last = t_.pending_.end();
    if (object && last - first > 1) {
      const Tree& t = t_;
      auto less = [&t](const Member& a, const Member& b) { return t.key(a) < t.key(b); };
      if (last - first <= 32) {
        // Insertion sort (stable): no buffer for the few members of an
        // event's objects, where std::stable_sort allocates one.
        for (auto it = first + 1; it != last; ++it) {
          const Member m = *it;
          auto hole = it;
          for (; hole != first && less(m, *(hole - 1)); --hole) *hole = *(hole - 1);
          *hole = m;
        }
      } else {
        std::stable_sort(first, last, less);
      }
      // Of equal keys the last one sent wins; the others go.
      auto out = first;
      for (auto it = first; it != last; ++it) {
        if (it + 1 != last && t.key(*it) == t.key(*(it + 1))) continue;
        *out++ = *it;
      }
      last = out;
    }
    Node& n = t_.nodes_[f.node];
    n.offset = static_cast<uint32_t>(t_.members_.size());
    n.length = static_cast<uint32_t>(last - first);
    t_.members_.insert(t_.members_.end(), first, last);
    t_.pending_.resize(f.first_pending);
    return true;
  }

  Tree& t_;
};

void Tree::Clear() {
  nodes_.clear();
  members_.clear();
  text_.clear();
  pending_.clear();
  frames_.clear();
  Node empty;
  empty.kind = Kind::kObject;
  nodes_.push_back(empty);
  root_ = kEmptyObject;
}

bool Tree::Parse(std::string_view body) {
  Clear();
  Builder builder(*this);
  const bool ok = Json::sax_parse(body.begin(), body.end(), &builder,
                                  nlohmann::detail::input_format_t::json, /*strict=*/true);
  if (!ok) Clear();
  return ok;
}

nlohmann::detail::serializer<Json>& RawWriter::Out() {
  if (!out_) out_.emplace(nlohmann::detail::output_adapter<char>(raw_), ' ', handler_);
  return *out_;
}

void RawWriter::String(std::string_view s) {
  bool plain = true;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    plain &= u >= 0x20 && u < 0x80 && u != '"' && u != '\\';
  }
  if (plain) {
    raw_ += '"';
    raw_.append(s);
    raw_ += '"';
    return;
  }
  if (!scratch_) scratch_.emplace(std::string());
  scratch_->get_ref<std::string&>().assign(s);
  Out().dump(*scratch_, false, false, 0);
}

void RawWriter::Integer(int64_t v) {
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  raw_.append(buf, end);
}

void RawWriter::Unsigned(uint64_t v) {
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  raw_.append(buf, end);
}

Kind JsonView::kind() const {
  switch (j_->type()) {
    case Json::value_t::boolean:
      return Kind::kBool;
    case Json::value_t::number_integer:
      return Kind::kInt;
    case Json::value_t::number_unsigned:
      return Kind::kUint;
    case Json::value_t::number_float:
      return Kind::kFloat;
    case Json::value_t::string:
      return Kind::kString;
    case Json::value_t::array:
      return Kind::kArray;
    case Json::value_t::object:
      return Kind::kObject;
    default:
      return Kind::kNull;
  }
}

JsonView JsonView::find(std::string_view key) const {
  if (!j_->is_object()) return JsonView();
  auto it = j_->find(key);
  if (it == j_->end()) return JsonView();
  return JsonView(&*it);
}

JsonView JsonView::empty_object() const {
  static const Json kEmpty = Json::object();
  return JsonView(&kEmpty);
}

void JsonView::dump(RawWriter& out) const { out.Dump(*j_); }

TreeView TreeView::find(std::string_view key) const {
  if (n().kind != Kind::kObject) return TreeView();
  const Tree::Member* first = t_->members_begin(n());
  const Tree::Member* last = t_->members_end(n());
  const Tree* t = t_;
  const Tree::Member* it = std::lower_bound(
      first, last, key, [t](const Tree::Member& m, std::string_view k) { return t->key(m) < k; });
  if (it == last || t_->key(*it) != key) return TreeView();
  return TreeView(t_, it->node);
}

Json TreeView::to_json() const {
  switch (n().kind) {
    case Kind::kNull:
      return Json();
    case Kind::kBool:
      return Json(n().boolean);
    case Kind::kInt:
      return Json(n().integer);
    case Kind::kUint:
      return Json(n().unsigned_integer);
    case Kind::kFloat:
      return Json(n().floating);
    case Kind::kString:
      return Json(std::string(str()));
    case Kind::kArray: {
      Json out = Json::array();
      for (size_t i = 0; i < array_size(); ++i) out.push_back(at(i).to_json());
      return out;
    }
    case Kind::kObject: {
      Json out = Json::object();
      members([&out](std::string_view k, TreeView v) { out[std::string(k)] = v.to_json(); });
      return out;
    }
  }
  return Json();
}

// Writes the value as nlohmann's compact dump of the same tree writes it:
// floats and escaped strings through its serializer (the same escapes, the
// same float digits), the rest by hand.
void TreeView::dump(RawWriter& out) const {
  std::string& raw = out.raw();
  switch (n().kind) {
    case Kind::kNull:
      raw += "null";
      return;
    case Kind::kBool:
      raw += n().boolean ? "true" : "false";
      return;
    case Kind::kInt:
      out.Integer(n().integer);
      return;
    case Kind::kUint:
      out.Unsigned(n().unsigned_integer);
      return;
    case Kind::kFloat:
      out.Dump(Json(n().floating));
      return;
    case Kind::kString:
      out.String(str());
      return;
    case Kind::kArray:
    case Kind::kObject:
      break;
  }
  // Containers: "[]" / "{}" when empty, else the members separated by ','.
  const bool object = n().kind == Kind::kObject;
  raw += object ? '{' : '[';
  bool first = true;
  for (const Tree::Member* m = t_->members_begin(n()); m != t_->members_end(n()); ++m) {
    if (!first) raw += ',';
    first = false;
    if (object) {
      out.String(t_->key(*m));
      raw += ':';
    }
    TreeView(t_, m->node).dump(out);
  }
  raw += object ? '}' : ']';
}

}  // namespace mops::tracking::internal
