#include "logstore/version.h"
