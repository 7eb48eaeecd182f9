package render

// Golden lets the external test package (which may import packages that
// import render) share the golden-file helper.
var Golden = golden
