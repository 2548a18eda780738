# Minor faults per random page touch of a cached file's fresh mapping, under MADV_NORMAL and MADV_RANDOM (twice each):
# python3 bench/mmap-faults.py FILE TOUCHES. Outside TurboKV: what the kernel's fault-around does for a random reader.
import mmap, os, random, resource, sys
path, touches = sys.argv[1], int(sys.argv[2])
size = os.path.getsize(path)
with open(path, 'rb') as f:
    f.read()  # into the page cache
    for name, advice in (('MADV_NORMAL', mmap.MADV_NORMAL), ('MADV_RANDOM', mmap.MADV_RANDOM)) * 2:
        m = mmap.mmap(f.fileno(), size, prot=mmap.PROT_READ)
        m.madvise(advice)
        rnd = random.Random(1)
        pages = size // 4096
        before = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt
        s = 0
        for _ in range(touches):
            s += m[rnd.randrange(pages) * 4096]
        after = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt
        print(f'{name}: {(after - before) / touches:.4f} minor faults per random page touch ({touches} of {pages} pages)')
        m.close()
