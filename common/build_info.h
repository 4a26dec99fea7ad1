#pragma once

// The source revision the binaries were built from (git's short hash, or
// "unknown"). It lives in one generated file (build_info.cc, made by CMake
// from build_info.cc.in), not in a compile definition, so that a new commit
// recompiles that file only and every other object stays in ccache.
//
// Thread safety: a constant.

namespace logstack {

const char* BuildRevision();

}  // namespace logstack
