// The op codes of the elementwise kernels, defined once: the JS kernels (src/kernels/js), the
// WASM wrappers, autograd, and the AssemblyScript kernels (assembly/elementwise.ts imports this
// very file: it is plain enums, valid TypeScript and valid AssemblyScript) all use these names.

/** Binary ops; Gate is `b > 0 ? a : 0` (relu's derivative applied to a gradient). */
export enum Bin { Add, Sub, Mul, Div, Pow, Max, Min, Eq, Gt, Ge, Lt, Le, Gate }

/** Unary ops; Step is `x > 0 ? 1 : 0`. */
export enum Un { Neg, Exp, Log, Sqrt, Abs, Tanh, Sigmoid, Relu, Sign, Step }

/** Reductions over axes. */
export enum Red { Sum, Max }
