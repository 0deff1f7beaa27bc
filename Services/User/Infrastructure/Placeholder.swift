enum P29151 {}
