" Vim filetype detection for sglsim scenario files: *.sgl is filetype sgl.
au BufRead,BufNewFile *.sgl setfiletype sgl
