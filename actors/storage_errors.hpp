#pragma once

// The one place where storage statuses become the typed errors clients see.

#include "caf/error.hpp"

#include "messages/errors.hpp"
#include "storage/storage_engine.hpp"

namespace dkv {

/// Maps a failed storage status to a dkv error (invalid_argument for
/// rejected input, storage_failure for everything the disk did wrong).
caf::error to_error(const storage::status& st);

} // namespace dkv
