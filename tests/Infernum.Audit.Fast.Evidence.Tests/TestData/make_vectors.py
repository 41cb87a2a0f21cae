# Writes the vectors of MerkleTreeVectorTests and NoteVectorTests, from the definitions of RFC 9162 §2.1 and
# C2SP signed-note, with Python's hashlib and the cryptography package: an implementation that shares no code with
# the library. Run: python3 make_vectors.py
# Independent RFC 9162 §2.1 reference: MTH, PATH, PROOF straight from the definitions.
import hashlib, base64
def H(b): return hashlib.sha256(b).digest()
def leaf(d): return H(b'\x00'+d)
def node(l,r): return H(b'\x01'+l+r)
def k_of(n):
    k=1
    while k*2<n: k*=2
    return k
def MTH(D):
    n=len(D)
    if n==0: return H(b'')
    if n==1: return leaf(D[0])
    k=k_of(n); return node(MTH(D[:k]),MTH(D[k:]))
def PATH(m,D):
    n=len(D)
    if n==1: return []
    k=k_of(n)
    if m<k: return PATH(m,D[:k])+[MTH(D[k:])]
    return PATH(m-k,D[k:])+[MTH(D[:k])]
def SUB(m,D,b):
    n=len(D)
    if m==n: return [] if b else [MTH(D)]
    k=k_of(n)
    if m<=k: return SUB(m,D[:k],b)+[MTH(D[k:])]
    return SUB(m-k,D[k:],False)+[MTH(D[:k])]
D=[bytes.fromhex(x) for x in ["","00","10","2021","3031","40414243","5051525354555657","606162636465666768696a6b6c6d6e6f"]]
for n in range(1,9): print("root",n,MTH(D[:n]).hex())
for (m,n) in [(0,8),(5,8),(2,3),(3,7)]: print("path",m,n,[p.hex() for p in PATH(m,D[:n])])
for (m,n) in [(1,8),(6,8),(2,5),(3,7),(4,8)]: print("proof",m,n,[p.hex() for p in SUB(m,D[:n],True)])
print("empty",H(b'').hex())
# audit lines: the same hashing over lines of an audit file
lines=[b'{"a":1}',b'{"b":2}',b'{"c":3}']
print("lines3",base64.b64encode(MTH(lines)).decode())
# Ed25519 note, key id per C2SP signed-note, from a fixed seed
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization
seed=bytes(range(32))
sk=Ed25519PrivateKey.from_private_bytes(seed)
pk=sk.public_key().public_bytes(serialization.Encoding.Raw,serialization.PublicFormat.Raw)
name="audit.example/host-1"
kid=H(name.encode()+b'\n'+b'\x01'+pk)[:4]
print("vkey",name+"+"+kid.hex()+"+"+base64.b64encode(b'\x01'+pk).decode())
print("skey","PRIVATE+KEY+"+name+"+"+kid.hex()+"+"+base64.b64encode(b'\x01'+seed).decode())
text="audit.example/host-1/0123456789abcdef\n3\n"+base64.b64encode(MTH(lines)).decode()+"\n"
sig=sk.sign(text.encode())
print("note",repr(text+"\n\u2014 "+name+" "+base64.b64encode(kid+sig).decode()+"\n"))
