module github.com/libbundle/libbundle/bindings/go

go 1.19
