// nn/serialize.cpp — placeholder until written.
#include "nn/serialize.h"
