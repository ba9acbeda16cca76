// data placeholder so the library has a source until the module lands.
