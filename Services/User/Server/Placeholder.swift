enum P29842 {}
