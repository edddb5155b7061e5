import{k as o}from"./shared-OWPPS42S.js";import"./shared-UMM5QLAE.js";async function a(){return await o(),import("./viewer.js")}export{a as load};
