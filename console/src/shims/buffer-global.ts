// crypto/ uses Node's global Buffer for base64; the browser gets the `buffer` package's.
import { Buffer } from 'buffer';

export { Buffer };
