#pragma once

// Shorthand for CAF 0.17 inspect() overloads of plain message structs: the
// field list is written once, in wire order. Appending a field changes the
// wire format: add a new _vN struct instead.

#include "caf/meta/type_name.hpp"

#define DKV_INSPECT(type, ...)                                                 \
  template <class Inspector>                                                   \
  typename Inspector::result_type inspect(Inspector& f, type& x) {             \
    return f(caf::meta::type_name(#type), __VA_ARGS__);                        \
  }

#define DKV_INSPECT_EMPTY(type)                                                \
  template <class Inspector>                                                   \
  typename Inspector::result_type inspect(Inspector& f, type&) {               \
    return f(caf::meta::type_name(#type));                                     \
  }
