package org.cnf4j.format;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.IObjectPickler;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.PickleUtils;
import net.razorvine.pickle.Pickler;
import net.razorvine.pickle.Unpickler;

/**
 * PyTorch checkpoints ({@code .pth}, what {@code torch.save} writes), read and written through a maintained pickle
 * implementation (net.razorvine:pickle) with torch's storages hooked in as persistent ids.
 *
 * <p>Reads both formats torch.save has written: the zip archive of torch 1.6 and later ({@code PREFIX/data.pkl}, whose
 * persistent ids {@code ('storage', torch.DoubleStorage, KEY, 'cpu', numel)} name the raw records
 * {@code PREFIX/data/KEY}; byte order from {@code PREFIX/byteorder}, little when absent) and the legacy stream of
 * earlier versions (the magic-number, protocol-version and sys-info pickles, the object pickle with persistent ids
 * {@code ('storage', type, KEY, location, numel, view)}, a pickled list of storage keys, then each storage as an
 * 8-byte element count and its bytes). Tensors, rebuilt by {@code torch._utils._rebuild_tensor_v2(storage, offset,
 * size, stride, ...)} with any offset and strides, come back as {@link Tensor}; float32 and float64 tensors carry their
 * values, others only their dtype and shape.
 *
 * <p>Python values come back as: dict as a {@link Map}, {@code collections.OrderedDict} as {@link OrderedDict}, list
 * as a {@link List}, tuple as {@code Object[]}, str, int (Integer, Long or BigInteger), float (Double), bool, None
 * (null), bytes ({@code byte[]}); any other object (an {@code argparse.Namespace}) as a {@link PythonObject} holding
 * its attributes. Nothing in the file is executed: classes are never looked up, only recognised by name.
 *
 * <p>{@link #write} writes the zip format the way torch 1.13 and later read it with {@code torch.load} (also with
 * {@code weights_only=True}, the default since torch 2.6): {@code archive/data.pkl} (pickle protocol 2),
 * {@code archive/byteorder}, {@code archive/data/0, 1, ...} and {@code archive/version} ("3"), every record stored
 * uncompressed and its data aligned to 64 bytes, as torch's own writer does.
 *
 * <p>Errors are one line naming the file: {@link IllegalArgumentException} for a file that is not a torch checkpoint
 * or holds what cannot be read (an unusable input), {@link IOException} for a truncated or damaged one.
 */
public final class TorchCheckpoint {
    private TorchCheckpoint() {}

    /** What torch.save's zip records are aligned to. */
    static final int ALIGNMENT = 64;

    /** The legacy format's first pickle: protocol 2, LONG1 of 10 bytes 0x1950a86a20f9469cfc6c, STOP. */
    private static final byte[] LEGACY_MAGIC = {(byte) 0x80, 0x02, (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20,
        0x6a, (byte) 0xa8, 0x50, 0x19, 0x2e};
    private static final byte[] ZIP_MAGIC = {'P', 'K', 3, 4};
    private static final int LEGACY_PROTOCOL = 1001;

    /**
     * A tensor: its dtype as torch names it without the prefix ("float64", "float32", "float16", "int64", ...), its
     * shape and, for float32 and float64, its values in row-major order (exactly: a float32 widens to the same
     * double); null for other dtypes.
     */
    public record Tensor(String dtype, int[] shape, double[] values) {
        public Tensor {
            shape = shape.clone();
            long n = 1;
            for (int s : shape) {
                if (s < 0) throw new IllegalArgumentException("negative tensor size in " + Arrays.toString(shape));
                n *= s;
            }
            if (values != null && values.length != n) throw new IllegalArgumentException(values.length + " values for shape " + Arrays.toString(shape));
            if (!FLOAT64.equals(dtype) && !FLOAT32.equals(dtype) && values != null) throw new IllegalArgumentException("values of a " + dtype + " tensor");
        }

        /** A float64 tensor of these values (row-major). */
        public static Tensor float64(int[] shape, double[] values) { return new Tensor(FLOAT64, shape, values); }

        /** The shape as PyTorch prints it: (3, 32), (32,), (). */
        public String shapeText() {
            StringBuilder b = new StringBuilder("(");
            for (int i = 0; i < shape.length; i++) b.append(i > 0 ? ", " : "").append(shape[i]);
            return b.append(shape.length == 1 ? ",)" : ")").toString();
        }

        @Override public int[] shape() { return shape.clone(); }

        @Override public String toString() { return "tensor(" + dtype + ", " + shapeText() + ")"; }
    }

    public static final String FLOAT64 = "float64", FLOAT32 = "float32";

    /** A Python {@code collections.OrderedDict} (a state_dict): insertion-ordered; {@link #write} pickles it as an OrderedDict. */
    public static final class OrderedDict extends LinkedHashMap<Object, Object> {
        private static final long serialVersionUID = 1L;

        /** For the unpickler: an OrderedDict's attributes (a state_dict's {@code _metadata}), which cnf4j does not use. */
        public void __setstate__(HashMap<?, ?> attributes) {
            // the module versions torch keeps in _metadata mean nothing here
        }
    }

    /**
     * An object of a class that is not one of the few a checkpoint's tensors need ({@code argparse.Namespace}, say):
     * its attributes as a map; {@link #className} says what it was, {@link #arguments} what it was built from.
     */
    public static final class PythonObject extends LinkedHashMap<String, Object> {
        private static final long serialVersionUID = 1L;
        private final String className;
        private final transient Object[] arguments;

        PythonObject(String className, Object[] arguments) {
            this.className = className;
            this.arguments = arguments.clone();
        }

        public String className() { return className; }

        public Object[] arguments() { return arguments.clone(); }

        /** For the unpickler: the object's state as a dict of attributes. */
        public void __setstate__(HashMap<String, Object> state) { putAll(state); }

        /** For the unpickler: a state that is not a dict (kept under "__state__"). */
        public void __setstate__(Object[] state) { put("__state__", state); }

        @Override public String toString() { return className + super.toString(); }
    }

    // ---------------------------------------------------------------------------------------------------------- reading

    /**
     * Reads a checkpoint (either format) from {@code file}, which may be a pipe.
     *
     * @return the object torch.save was given, as described in the class comment
     * @throws IllegalArgumentException the file is not a torch checkpoint, or holds what cannot be read
     * @throws IOException              the file is missing, unreadable, truncated or damaged
     */
    public static Object read(Path file) throws IOException {
        if (Files.isDirectory(file)) throw new IllegalArgumentException(file + " is a directory, not a PyTorch checkpoint file");
        return read(Files.readAllBytes(file), file.toString(), Files.isRegularFile(file) ? file : null);
    }

    /** Reads a checkpoint from its bytes; {@code name} names it in error messages. */
    public static Object read(byte[] bytes, String name) throws IOException {
        return read(bytes, name, null);
    }

    /** {@code zipFile}: the file the bytes were read from, if the zip reader may open it again (null: a pipe, or bytes). */
    private static Object read(byte[] bytes, String name, Path zipFile) throws IOException {
        if (bytes.length == 0) throw notTorch(name, "it is empty");
        if (startsWith(bytes, ZIP_MAGIC)) return new ZipReader(bytes, name, zipFile).read();
        if (startsWith(bytes, LEGACY_MAGIC)) return new LegacyReader(bytes, name).read();
        if (bytes.length < LEGACY_MAGIC.length && startsWith(LEGACY_MAGIC, Arrays.copyOf(bytes, bytes.length))) {
            throw truncated(name, "it ends inside the legacy format's magic number");
        }
        if ((bytes[0] & 0xff) == 0x80 && bytes.length > 1 && bytes[1] >= 2 && bytes[1] <= 5) {
            throw notTorch(name, "it is a Python pickle, but not one torch.save wrote (no torch magic number and no zip archive)");
        }
        throw notTorch(name, "it starts neither with a zip archive's bytes, as torch.save writes since torch 1.6, nor with the legacy format's magic number");
    }

    private static IllegalArgumentException notTorch(String name, String why) {
        return new IllegalArgumentException(name + " is not a PyTorch checkpoint: " + why + "; give a .pth file written by torch.save");
    }

    private static IOException truncated(String name, String why) {
        return new IOException(name + " is truncated or damaged (" + why + "); copy or download it again");
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        if (bytes.length < prefix.length) return false;
        for (int i = 0; i < prefix.length; i++) if (bytes[i] != prefix[i]) return false;
        return true;
    }

    /** What the persistent ids of one file resolve to; the base of both formats' readers. */
    private abstract static class Reader {
        final String name;
        final Map<String, Storage> storages = new HashMap<>();
        ByteOrder order = ByteOrder.LITTLE_ENDIAN;

        Reader(String name) { this.name = name; }

        abstract Object read() throws IOException;

        /** A storage named by a persistent id: its type, key and size; {@code view} (legacy files) a view of part of it. */
        Storage storage(Object pid) throws IOException {
            if (pid instanceof Object[] m && m.length > 0 && "module".equals(text(m[0]))) {
                throw new IllegalArgumentException(name + " holds a whole pickled torch.nn.Module (torch.save(model)), which only its Python classes can "
                        + "rebuild; save model.state_dict() instead");
            }
            if (!(pid instanceof Object[] t) || t.length < 5 || !"storage".equals(text(t[0]))) {
                throw new IllegalArgumentException(name + " holds a persistent id that is not a torch storage (" + describe(pid) + "); "
                        + "cnf4j reads tensors saved with torch.save");
            }
            if (!(t[1] instanceof StorageType type)) {
                throw new IllegalArgumentException(name + " holds a storage of an unknown type (" + describe(t[1]) + ")");
            }
            String key = text(t[2]);
            long numel = number(t[4], "storage size");
            Storage s = storages.get(key);
            if (s == null) {
                s = new Storage(type, key, numel);
                storages.put(key, s);
                created(s);
            }
            if (t.length > 5 && t[5] instanceof Object[] view && view.length == 3) {
                String viewKey = text(view[0]);
                Storage v = storages.get(viewKey);
                if (v == null) {
                    v = new Storage(s, number(view[1], "view offset"), number(view[2], "view size"));
                    storages.put(viewKey, v);
                }
                return v;
            }
            return s;
        }

        /** Called once for each new storage (the zip reader fills it from its record). */
        void created(Storage s) throws IOException {}

        long number(Object o, String what) throws IOException {
            if (o instanceof Integer || o instanceof Long) return ((Number) o).longValue();
            throw new IOException(name + " is damaged: a " + what + " is " + describe(o) + ", not an integer");
        }

        static String text(Object o) {
            if (o instanceof byte[] b) return new String(b, StandardCharsets.US_ASCII);   // Python 2 str kept as bytes
            return o == null ? null : o.toString();
        }

        /** Unpickles one pickle from {@code in}, turning the library's errors into one-line messages about this file. */
        Object unpickle(InputStream in, String what) throws IOException {
            TorchUnpickler u = new TorchUnpickler(this);
            try {
                return u.load(in);
            } catch (IOException e) {
                // the pickle is read from memory: the only input error is running out of bytes
                throw truncated(name, "it ends inside its " + what);
            } catch (IllegalArgumentException e) {
                throw e;
            } catch (PickleException e) {
                Throwable c = e.getCause() instanceof java.lang.reflect.InvocationTargetException ite ? ite.getCause() : e.getCause();
                if (c instanceof IllegalArgumentException iae) throw iae;
                if (c instanceof IOException io) throw io;   // a storage's own message (persistentLoad)
                throw new IOException(name + " is damaged or not readable: its " + what + " does not unpickle (" + oneLine(e.getMessage()) + ")", e);
            } catch (RuntimeException e) {
                // a malformed pickle: a stack underflow, an opcode applied to the wrong kind of value, ...
                throw new IOException(name + " is damaged or not readable: its " + what + " does not unpickle (" + e.getClass().getSimpleName()
                        + (e.getMessage() != null ? ": " + oneLine(e.getMessage()) : "") + ")", e);
            } finally {
                u.close();
            }
        }

        /** The object graph with every tensor built from its storage's bytes. */
        Object resolve(Object root) throws IOException {
            return new Resolver().resolve(root);
        }

        private final class Resolver {
            private final Map<Object, Boolean> seen = new IdentityHashMap<>();

            @SuppressWarnings("unchecked")
            Object resolve(Object o) throws IOException {
                if (o instanceof PendingTensor p) return tensor(p);
                if (o == null || seen.put(o, Boolean.TRUE) != null) return o;
                if (o instanceof Map<?, ?> m) {
                    for (Map.Entry<Object, Object> e : ((Map<Object, Object>) m).entrySet()) e.setValue(resolve(e.getValue()));
                } else if (o instanceof List<?> l) {
                    List<Object> list = (List<Object>) l;
                    for (int i = 0; i < list.size(); i++) list.set(i, resolve(list.get(i)));
                } else if (o instanceof Object[] a) {
                    for (int i = 0; i < a.length; i++) a[i] = resolve(a[i]);
                }
                return o;
            }
        }

        Tensor tensor(PendingTensor p) throws IOException {
            Storage s = p.storage;
            Storage root = s.root();
            String dtype = s.type.dtype;
            int k = p.size.length;
            if (p.stride.length != k) throw new IOException(name + " is damaged: a tensor of " + k + " sizes has " + p.stride.length + " strides");
            long n = 1, last = p.offset;
            for (int i = 0; i < k; i++) {
                if (p.size[i] < 0 || p.stride[i] < 0) throw new IOException(name + " is damaged: a tensor has a negative size or stride");
                n *= p.size[i];
                last += (p.size[i] - 1L) * p.stride[i];
            }
            if (n > 0 && (p.offset < 0 || last >= s.numel)) {
                throw new IOException(name + " is damaged: a tensor of shape " + Arrays.toString(p.size) + " reaches past its storage of " + s.numel + " elements");
            }
            if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException(name + " holds a tensor of " + n + " elements, more than cnf4j reads");
            if (!s.type.floating()) return new Tensor(dtype, p.size, null);
            if (root.bytes == null) throw truncated(name, "storage " + root.key + " is missing");
            ByteBuffer b = ByteBuffer.wrap(root.bytes).order(order);
            int es = s.type.elementSize;
            double[] v = new double[(int) n];
            int[] idx = new int[k];
            long at = p.offset + s.offset;
            for (int i = 0; i < v.length; i++) {
                int pos = Math.toIntExact(at * es);
                v[i] = es == 8 ? b.getDouble(pos) : b.getFloat(pos);
                for (int j = k - 1; j >= 0; j--) {   // the next index in row-major order
                    at += p.stride[j];
                    if (++idx[j] < p.size[j]) break;
                    at -= (long) p.stride[j] * p.size[j];
                    idx[j] = 0;
                }
            }
            return new Tensor(dtype, p.size, v);
        }
    }

    /** torch.save's zip format: {@code PREFIX/data.pkl} with its storages in {@code PREFIX/data/KEY}. */
    private static final class ZipReader extends Reader {
        private final byte[] bytes;
        private final Path file;
        private final Map<String, byte[]> records = new HashMap<>();
        private String prefix;

        ZipReader(byte[] bytes, String name, Path file) {
            super(name);
            this.bytes = bytes;
            this.file = file;
        }

        @Override
        Object read() throws IOException {
            if (!hasEndRecord()) throw truncated(name, "its zip archive has no end record");
            // torch writes stored records with data descriptors, which only a reader of the central directory takes:
            // ZipFile, which needs a file (a copy, for bytes that came from a pipe)
            Path tmp = null;
            try {
                if (file == null) {
                    tmp = Files.createTempFile("cnf4j-checkpoint-", ".zip");
                    Files.write(tmp, bytes);
                }
                readRecords(file != null ? file : tmp);
            } finally {
                if (tmp != null) Files.deleteIfExists(tmp);
            }
            byte[] pkl = records.get(prefix + "data.pkl");
            if (pkl == null) {
                throw notTorch(name, "it is a zip archive without " + (prefix == null ? "" : prefix) + "data.pkl"
                        + (records.containsKey(prefix + "constants.pkl") ? " (a TorchScript archive: save the model's state_dict() instead)" : ""));
            }
            byte[] bo = records.get(prefix + "byteorder");
            if (bo != null) {
                String o = new String(bo, StandardCharsets.US_ASCII).strip();
                if (o.equals("big")) order = ByteOrder.BIG_ENDIAN;
                else if (!o.equals("little")) throw new IOException(name + " is damaged: its byteorder record says '" + oneLine(o) + "'");
            }
            return resolve(unpickle(new ByteArrayInputStream(pkl), "data.pkl"));
        }

        private void readRecords(Path zip) throws IOException {
            try (ZipFile z = new ZipFile(zip.toFile())) {
                for (ZipEntry e : java.util.Collections.list(z.entries())) {
                    if (prefix == null) {
                        int slash = e.getName().indexOf('/');
                        if (slash < 0) throw notTorch(name, "it is a zip archive whose first entry " + e.getName() + " is in no folder, unlike torch.save's");
                        prefix = e.getName().substring(0, slash + 1);
                    }
                    try (InputStream in = z.getInputStream(e)) {
                        records.put(e.getName(), in.readAllBytes());
                    }
                }
            } catch (java.util.zip.ZipException | EOFException e) {
                throw new IOException(name + " is damaged or not a zip archive cnf4j reads (" + oneLine(e.getMessage()) + "); copy or download it again");
            }
        }

        /** Whether the archive ends with its end-of-central-directory record (a cut file does not). */
        private boolean hasEndRecord() {
            for (int i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) {
                if (bytes[i] == 'P' && bytes[i + 1] == 'K' && bytes[i + 2] == 5 && bytes[i + 3] == 6) return true;
            }
            return false;
        }

        @Override
        void created(Storage s) throws IOException {
            byte[] data = records.get(prefix + "data/" + s.key);
            if (data == null) throw truncated(name, "its record data/" + s.key + " is missing");
            if ((long) data.length < s.numel * s.type.elementSize) {
                throw truncated(name, "record data/" + s.key + " holds " + data.length + " bytes, its " + s.numel + " elements need " + s.numel * s.type.elementSize);
            }
            s.bytes = data;
        }
    }

    /** torch.save's format before torch 1.6: pickles, then the storages' bytes. */
    private static final class LegacyReader extends Reader {
        private final ByteArrayInputStream in;

        LegacyReader(byte[] bytes, String name) {
            super(name);
            this.in = new ByteArrayInputStream(bytes);
        }

        @Override
        Object read() throws IOException {
            unpickle(in, "magic number");
            Object protocol = unpickle(in, "protocol version");
            if (!(protocol instanceof Integer p) || p != LEGACY_PROTOCOL) {
                throw new IllegalArgumentException(name + " is a legacy torch checkpoint of protocol version " + describe(protocol) + ", not " + LEGACY_PROTOCOL
                        + "; load and save it again with a recent torch");
            }
            if (unpickle(in, "system information") instanceof Map<?, ?> info && Boolean.FALSE.equals(info.get("little_endian"))) {
                order = ByteOrder.BIG_ENDIAN;
            }
            Object root = unpickle(in, "object pickle");
            if (!(unpickle(in, "list of storage keys") instanceof List<?> keys)) throw new IOException(name + " is damaged: no list of storage keys");
            byte[] count = new byte[8];
            for (Object k : keys) {
                String key = text(k);
                if (in.readNBytes(count, 0, 8) < 8) throw truncated(name, "it ends before storage " + key);
                long n = ByteBuffer.wrap(count).order(order).getLong();
                Storage s = storages.get(key);
                int es = s != null ? s.type.elementSize : 1;
                if (n < 0 || n > in.available() / es) {
                    throw truncated(name, "storage " + key + " of " + n + " elements needs " + (n * es) + " bytes, " + in.available() + " are left");
                }
                byte[] data = in.readNBytes((int) (n * es));
                if (s == null) continue;   // saved but used by no tensor
                if (n < s.numel) throw new IOException(name + " is damaged: storage " + key + " holds " + n + " elements, its tensors need " + s.numel);
                s.bytes = data;
            }
            return resolve(root);
        }
    }

    /** A storage: a torch type, its key and element count, and (once read) its bytes; or a view of part of another. */
    private static final class Storage {
        final StorageType type;
        final String key;
        final long numel;
        final Storage base;
        final long offset;
        byte[] bytes;

        Storage(StorageType type, String key, long numel) {
            this.type = type;
            this.key = key;
            this.numel = numel;
            this.base = null;
            this.offset = 0;
        }

        Storage(Storage base, long offset, long numel) {
            this.type = base.type;
            this.key = base.key;
            this.numel = numel;
            this.base = base;
            this.offset = offset;
        }

        Storage root() { return base == null ? this : base; }
    }

    /** {@code torch.XStorage}: the dtype and element size of a storage; never called. */
    private record StorageType(String pythonName, String dtype, int elementSize) implements IObjectConstructor {
        boolean floating() { return dtype.equals(FLOAT64) || dtype.equals(FLOAT32); }

        @Override public Object construct(Object[] args) {
            throw new PickleException("torch." + pythonName + " is called in the pickle, which torch.save never does");
        }
    }

    private static final Map<String, StorageType> STORAGE_TYPES = new HashMap<>();

    static {
        Object[][] types = {{"DoubleStorage", FLOAT64, 8}, {"FloatStorage", FLOAT32, 4}, {"HalfStorage", "float16", 2},
            {"BFloat16Storage", "bfloat16", 2}, {"LongStorage", "int64", 8}, {"IntStorage", "int32", 4}, {"ShortStorage", "int16", 2},
            {"CharStorage", "int8", 1}, {"ByteStorage", "uint8", 1}, {"BoolStorage", "bool", 1}, {"ComplexDoubleStorage", "complex128", 16},
            {"ComplexFloatStorage", "complex64", 8}, {"UntypedStorage", "uint8", 1}};
        for (Object[] t : types) STORAGE_TYPES.put("torch." + t[0], new StorageType((String) t[0], (String) t[1], (Integer) t[2]));
    }

    /** A tensor before the storages' bytes are there (the legacy format puts them after the pickle). */
    private record PendingTensor(Storage storage, long offset, int[] size, int[] stride) {}

    /** The unpickler: torch's globals recognised by name, storages through persistent ids, nothing looked up or run. */
    private static final class TorchUnpickler extends Unpickler {
        private final Reader reader;

        TorchUnpickler(Reader reader) { this.reader = reader; }

        @Override
        protected Object dispatch(short key) throws PickleException, IOException {
            if (key == Opcodes.GLOBAL) {
                String module = PickleUtils.readline(input), name = PickleUtils.readline(input);
                stack.add(global(module, name));
                return NO_RETURN_VALUE;
            }
            if (key == Opcodes.STACK_GLOBAL) {
                String name = (String) stack.pop(), module = (String) stack.pop();
                stack.add(global(module, name));
                return NO_RETURN_VALUE;
            }
            return super.dispatch(key);
        }

        @Override
        protected Object persistentLoad(Object pid) {
            try {
                return reader.storage(pid);
            } catch (IOException e) {
                throw new PickleException(e.getMessage(), e);
            }
        }

        private IObjectConstructor global(String module, String name) {
            String full = module + "." + name;
            StorageType st = STORAGE_TYPES.get(full);
            if (st != null) return st;
            return switch (full) {
                case "collections.OrderedDict" -> args -> {
                    OrderedDict d = new OrderedDict();
                    if (args.length == 1 && args[0] instanceof List<?> items) {
                        for (Object it : items) if (it instanceof Object[] kv && kv.length == 2) d.put(kv[0], kv[1]);
                    }
                    return d;
                };
                case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor" -> args -> rebuildTensor(full, args);
                case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state" -> args -> {
                    if (args.length < 1 || !(args[0] instanceof PendingTensor)) throw new PickleException(full + " without a tensor");
                    return args[0];
                };
                default -> args -> new PythonObject(full, args);
            };
        }

        private Object rebuildTensor(String full, Object[] args) {
            if (args.length < 4 || !(args[0] instanceof Storage s) || !(args[1] instanceof Number off)) {
                throw new PickleException(full + " with arguments that are not (storage, offset, size, stride, ...)");
            }
            return new PendingTensor(s, off.longValue(), ints(args[2], full), ints(args[3], full));
        }

        private static int[] ints(Object o, String full) {
            if (!(o instanceof Object[] t)) throw new PickleException(full + ": a size or stride that is not a tuple");
            int[] r = new int[t.length];
            for (int i = 0; i < t.length; i++) {
                if (!(t[i] instanceof Integer v)) throw new PickleException(full + ": a size or stride entry " + describe(t[i]));
                r[i] = v;
            }
            return r;
        }
    }

    /** A short description of a pickled value for an error message. */
    static String describe(Object o) {
        if (o == null) return "None";
        if (o instanceof String s) return "'" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "'";
        if (o instanceof Number || o instanceof Boolean) return o.toString();
        if (o instanceof Object[] t) return "a tuple of " + t.length;
        if (o instanceof PythonObject p) return "a " + p.className();
        if (o instanceof StorageType t) return "torch." + t.pythonName();
        if (o instanceof IObjectConstructor) return "a Python class or function";
        return "a " + o.getClass().getSimpleName();
    }

    private static String oneLine(String s) {
        if (s == null) return "";
        String first = s.strip().lines().findFirst().orElse("");
        return first.length() > 200 ? first.substring(0, 200) + "..." : first;
    }

    // ---------------------------------------------------------------------------------------------------------- writing

    /**
     * Writes {@code root} as torch.save's zip format (atomically, see {@link AtomicFile}). Values may be {@link Tensor}
     * (float32 or float64), {@link OrderedDict} (pickled as collections.OrderedDict), any other Map (a dict), List,
     * String, Integer, Long, Double, Boolean and null: what {@code torch.load(f, weights_only=True)} accepts.
     *
     * @throws IllegalArgumentException a value of another type, or a tensor without values
     */
    public static void write(Path file, Map<String, ?> root) throws IOException {
        byte[] bytes = toBytes(root);
        AtomicFile.write(file, bytes);
    }

    /** The bytes {@link #write} writes. */
    public static byte[] toBytes(Map<String, ?> root) throws IOException {
        check(root, "the checkpoint");
        TorchPickler p = new TorchPickler();
        byte[] pkl = p.dumps(root);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Counting counting = new Counting(buf);
        try (ZipOutputStream z = new ZipOutputStream(counting)) {
            record(z, counting, "archive/data.pkl", pkl);
            record(z, counting, "archive/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
            for (int k = 0; k < p.storages.size(); k++) record(z, counting, "archive/data/" + k, littleEndian(p.storages.get(k)));
            record(z, counting, "archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        }
        return buf.toByteArray();
    }

    private static void check(Object o, String where) {
        if (o == null || o instanceof String || o instanceof Integer || o instanceof Long || o instanceof Double || o instanceof Boolean) return;
        if (o instanceof Tensor t) {
            if (t.values() == null) throw new IllegalArgumentException(where + ": a " + t.dtype() + " tensor cannot be written (float32 and float64 only)");
            return;
        }
        if (o instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!(e.getKey() instanceof String)) throw new IllegalArgumentException(where + ": a key " + describe(e.getKey()) + " that is not a string");
                check(e.getValue(), where + "['" + e.getKey() + "']");
            }
            return;
        }
        if (o instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) check(l.get(i), where + "[" + i + "]");
            return;
        }
        throw new IllegalArgumentException(where + ": a " + o.getClass().getSimpleName() + " cannot be written to a checkpoint");
    }

    private static byte[] littleEndian(Tensor t) {
        double[] v = t.values();
        boolean f64 = t.dtype().equals(FLOAT64);
        ByteBuffer b = ByteBuffer.allocate(v.length * (f64 ? 8 : 4)).order(ByteOrder.LITTLE_ENDIAN);
        for (double x : v) {
            if (f64) b.putDouble(x);
            else b.putFloat((float) x);
        }
        return b.array();
    }

    /** Fixed in the DOS date range, so that no extended-timestamp field is added and the file does not depend on the clock. */
    private static final LocalDateTime ZIP_TIME = LocalDateTime.of(1980, 1, 2, 0, 0);

    /** One stored record, its data aligned to {@link #ALIGNMENT} by a padding extra field ("FB", as torch's writer pads). */
    private static void record(ZipOutputStream z, Counting at, String name, byte[] data) throws IOException {
        int nameLength = name.getBytes(StandardCharsets.UTF_8).length;
        long start = at.count + 30 + nameLength + 4;   // the local header, the name and the padding field's own header
        int pad = (int) ((ALIGNMENT - start % ALIGNMENT) % ALIGNMENT);
        byte[] extra = new byte[4 + pad];
        extra[0] = 'F';
        extra[1] = 'B';
        extra[2] = (byte) pad;
        extra[3] = (byte) (pad >> 8);
        Arrays.fill(extra, 4, extra.length, (byte) 'Z');
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        e.setTimeLocal(ZIP_TIME);
        e.setExtra(extra);
        z.putNextEntry(e);
        if ((at.count + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT != at.count) {
            throw new IllegalStateException("the zip writer added header fields: " + name + " starts at " + at.count);
        }
        z.write(data);
        z.closeEntry();
    }

    /** Counts the bytes written through it: where the next local header starts. */
    private static final class Counting extends FilterOutputStream {
        long count;

        Counting(OutputStream out) { super(out); }

        @Override public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }

    /** A storage in the pickle: the persistent id {@code ('storage', torch.DoubleStorage, KEY, 'cpu', numel)}. */
    private record StorageRef(String type, String key, int numel) {}

    /** A module-level Python name, pickled as GLOBAL. */
    private record Global(String module, String name) {}

    /** Pickles tensors as torch does (_rebuild_tensor_v2 over a persistent storage id) and OrderedDicts as OrderedDicts. */
    private static final class TorchPickler extends Pickler {
        final List<Tensor> storages = new ArrayList<>();

        TorchPickler() { super(false); }   // no memo: every value is written out, which any unpickler takes

        private final IObjectPickler global = (o, out, p) -> {
            Global g = (Global) o;
            out.write(Opcodes.GLOBAL);
            out.write((g.module() + "\n" + g.name() + "\n").getBytes(StandardCharsets.US_ASCII));
        };

        private final IObjectPickler orderedDict = (o, out, p) -> {
            p.save(new Global("collections", "OrderedDict"));
            out.write(Opcodes.EMPTY_TUPLE);
            out.write(Opcodes.REDUCE);
            Map<?, ?> m = (Map<?, ?>) o;
            if (m.isEmpty()) return;
            out.write(Opcodes.MARK);
            for (Map.Entry<?, ?> e : m.entrySet()) {
                p.save(e.getKey());
                p.save(e.getValue());
            }
            out.write(Opcodes.SETITEMS);
        };

        private final IObjectPickler tensor = (o, out, p) -> {
            Tensor t = (Tensor) o;
            int[] shape = t.shape();
            Object[] size = new Object[shape.length], stride = new Object[shape.length];
            int s = 1;
            for (int i = shape.length - 1; i >= 0; i--) {
                size[i] = shape[i];
                stride[i] = s;
                s *= shape[i];
            }
            String key = Integer.toString(storages.size());
            storages.add(t);
            p.save(new Global("torch._utils", "_rebuild_tensor_v2"));
            String type = t.dtype().equals(FLOAT64) ? "DoubleStorage" : "FloatStorage";
            p.save(new Object[] {new StorageRef(type, key, t.values().length), 0, size, stride, false, new OrderedDict()});
            out.write(Opcodes.REDUCE);
        };

        @Override
        protected IObjectPickler getCustomPickler(Class<?> t) {
            if (t == Tensor.class) return tensor;
            if (t == OrderedDict.class) return orderedDict;
            if (t == Global.class) return global;
            return null;   // the library's shared registry is not consulted: what this pickler writes does not depend on it
        }

        @Override
        protected Object persistentId(Object o) {
            if (o instanceof StorageRef s) return new Object[] {"storage", new Global("torch", s.type()), s.key(), "cpu", s.numel()};
            return null;
        }
    }
}
